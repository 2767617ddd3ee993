"""The exception → exit code table of docs/CLI.md, and storage option parsing."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from clihelpers import FAST_INIT, Run, VaultTarget

from vaultui.cli.clierror import CliError, UsageError
from vaultui.cli.errors import FALLBACK, RULES, classify
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.options import parse_storage_options
from vaultui.crypto.errors import (
    AuthenticationError,
    CancelledError,
    FormatError,
    InvalidSignatureError,
    RecoveryKeyError,
    UnsupportedVaultError,
    WrongPassphraseError,
)
from vaultui.crypto.legacy import LegacyDecryptionError
from vaultui.fs.errors import (
    RefusedOperationError,
    StorageUnavailableError,
    VaultConfigMissingError,
    VaultCorruptError,
)
from vaultui.secrets.store import KeyStoreUnavailableError
from vaultui.tasks.streams import KeyMismatchError


@pytest.mark.parametrize(("exc", "code"), [
    (WrongPassphraseError(), ExitCode.AUTH),
    (InvalidSignatureError(), ExitCode.AUTH),
    (RecoveryKeyError("word 3"), ExitCode.AUTH),
    (KeyMismatchError(), ExitCode.AUTH),
    (LegacyDecryptionError(), ExitCode.AUTH),
    (AuthenticationError(), ExitCode.CORRUPT),
    (FormatError("bad"), ExitCode.CORRUPT),
    (VaultCorruptError("bad node"), ExitCode.CORRUPT),
    (RefusedOperationError("cannot move 'a' into itself"), ExitCode.USAGE),
    (UsageError("not a key"), ExitCode.USAGE),
    (OSError("disk"), ExitCode.STORAGE),
    (IsADirectoryError("a"), ExitCode.ERROR),
    (ImportError("no s3fs"), ExitCode.ERROR),
    (UnsupportedVaultError("format 7"), ExitCode.ERROR),
    (VaultConfigMissingError("gone"), ExitCode.NOT_FOUND),
    (FileNotFoundError("x"), ExitCode.NOT_FOUND),
    (FileExistsError("x"), ExitCode.EXISTS),
    (StorageUnavailableError("down"), ExitCode.STORAGE),
    (ConnectionRefusedError("refused"), ExitCode.STORAGE),
    (PermissionError("denied"), ExitCode.STORAGE),
    (KeyStoreUnavailableError("locked"), ExitCode.KEYRING),
    (CancelledError(), ExitCode.CANCELLED),
    (KeyboardInterrupt(), ExitCode.CANCELLED),
    (ValueError("Protocol not known: foo"), ExitCode.USAGE),
    (CliError("usage", ExitCode.USAGE), ExitCode.USAGE),
    (RuntimeError("boom"), ExitCode.ERROR),
])
def test_classify(exc: BaseException, code: ExitCode) -> None:
    got, message = classify(exc)
    assert got == code
    assert message and "\n" not in message


DOCS = Path(__file__).resolve().parents[2] / "docs" / "CLI.md"


def documented_exit_codes() -> dict[int, str]:
    """docs/CLI.md's "Exit codes" table: code -> meaning."""
    section = DOCS.read_text(encoding="utf-8").split("\n## Exit codes\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return {int(code): meaning
            for code, meaning in re.findall(r"^\| (\d+) \| (.+) \|$", section, re.MULTILINE)}


def test_the_docs_table_holds_every_code_and_every_rule() -> None:
    table = documented_exit_codes()
    assert set(table) == {code.value for code in ExitCode}
    for rule in (*RULES, FALLBACK):
        assert rule.documented_as in table[rule.code], (rule.types, rule.code)


def test_help_lists_every_exit_code(cli: Run) -> None:
    summary = cli("--help").out.split("exit codes:", 1)[1]
    for code in ExitCode:
        assert re.search(rf"\b{code.value} ", summary), code


def test_messages_cannot_span_lines_or_carry_escapes() -> None:
    code, message = classify(FileNotFoundError("a\x1b[2J\nb"))
    assert code == ExitCode.NOT_FOUND
    assert message == "not found: a\\x1b[2J\\nb"


def test_exit_codes_are_distinct() -> None:
    values = [c.value for c in ExitCode]
    assert len(values) == len(set(values))


def test_storage_options(tmp_path: Path) -> None:
    f = tmp_path / "o.json"
    f.write_text(json.dumps({"key": "from-file", "anon": True}))
    options = parse_storage_options(
        ['client_kwargs={"endpoint_url": "http://h:1"}', "key=abc", "port=22", "name=a=b"],
        str(f))
    assert options == {"client_kwargs": {"endpoint_url": "http://h:1"}, "key": "abc",
                       "anon": True, "port": 22, "name": "a=b"}
    for bad in (["novalue"], ["=x"]):
        with pytest.raises(CliError):
            parse_storage_options(bad, None)
    f.write_text("[1, 2]")
    with pytest.raises(CliError):
        parse_storage_options([], str(f))


KEY_32 = base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.mark.parametrize("args", [
    ["init", "{vault}", "--scrypt-cost", "1000"],
    ["init", "{vault}", "--scrypt-cost", str(2**23)],  # 1 GiB: over the memory cap
    ["init", "{vault}", "--shortening-threshold", "10"],
    ["gen-key", "--passphrase", "--scrypt-cost", "3"],
    ["decrypt", "--key", KEY_32, "--file", "{vault}/f"],
    ["encrypt", "--key", "not*base64", "--file", "{vault}/f"],
    ["import", "{vault}", "{vault}/src", "--key", "***"],
    ["import", "{vault}", "{vault}/src", "--key", KEY_32[:10]],
    ["import", "{vault}", "{vault}/src", "--key-salt", "zz"],
], ids=["scrypt-cost", "scrypt-memory", "threshold", "gen-key-cost", "decrypt-key-32",
        "encrypt-key-alphabet", "import-key", "import-key-length", "import-salt"])
def test_bad_values_are_usage_errors(cli: Run, tmp_path: Path, args: list[str]) -> None:
    vault = str(tmp_path / "vault")
    r = cli(*[a.replace("{vault}", vault) for a in args], input=b"data")
    assert r.code == 2, r
    assert "error" in r.err and "Traceback" not in r.err
    assert not os.path.exists(vault)  # refused before anything was written


def test_impossible_requests_are_usage_errors(vault: VaultTarget, cli: Run) -> None:
    assert cli(*vault.args("mkdir", "-p", "a/b")).code == 0
    for args in (["mv", "a", "a/b/c"], ["mv", "/", "x"], ["rm", "-r", "/"], ["ls", "../x"],
                 ["put", __file__, "a/../b"], ["get", "./..", "/tmp"]):
        r = cli(*vault.args(*args))
        assert r.code == 2, (args, r)
        assert r.err.startswith("vaultui-cli: error: "), r
    assert cli(*vault.args("ls", "a/b")).code == 0  # nothing moved
    assert cli(*vault.args("init", *FAST_INIT, "--shortening-threshold", "36")).code == 7
