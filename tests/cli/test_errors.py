"""One clear line on stderr and a distinct exit code per failure; --debug adds the traceback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from clihelpers import FAST_INIT, Run, VaultTarget, s3_options


def single_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("vaultui-cli: error: ")
    return lines[0]


def test_version_and_help(cli: Run) -> None:
    r = cli("--version")
    assert r.code == 0 and r.out.startswith("vaultui-cli 0.")
    r = cli("--help")
    assert r.code == 0 and "exit codes" in r.out
    commands = ["init", "info", "ls", "tree", "cat", "put", "get", "rm", "mv", "mkdir",
                "passwd", "recover", "recovery-key", "verify", "decrypt-name", "encrypt-name",
                "remember", "forget", "gen-key", "encrypt", "decrypt", "import"]
    for command in commands:
        r = cli(command, "--help")
        assert r.code == 0, command
        assert "examples:" in r.out and f"vaultui-cli {command}" in r.out, command


def test_usage_errors(cli: Run) -> None:
    assert cli().code == 2
    assert cli("ls").code == 2
    assert cli("frobnicate").code == 2
    r = cli("ls", "foo://x/y")
    assert r.code == 2 and "unknown storage" in single_error_line(r.err)
    r = cli("ls", "/x", "-o", "novalue")
    assert r.code == 2 and "KEY=VALUE" in r.err


def test_wrong_passphrase(vault: VaultTarget, cli: Run) -> None:
    r = cli(*vault.args("ls"), passphrase="not the passphrase")
    assert r.code == 3
    assert single_error_line(r.err) == "vaultui-cli: error: wrong passphrase"


def test_missing_vault_and_missing_path(target: VaultTarget, cli: Run) -> None:
    r = cli(*target.args("ls"))
    assert r.code == 4
    assert "is not a vault" in single_error_line(r.err)
    assert cli(*target.args("init", *FAST_INIT)).code == 0
    r = cli(*target.args("cat", "no/such/file.txt"))
    assert r.code == 4 and "no/such/file.txt" in single_error_line(r.err)


def test_existing_vault_is_not_overwritten(vault: VaultTarget, cli: Run) -> None:
    r = cli(*vault.args("init", *FAST_INIT))
    assert r.code == 7 and "already holds a vault" in single_error_line(r.err)
    assert cli(*vault.args("ls")).code == 0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.s3
def test_unreachable_storage(cli: Run) -> None:
    options = [*s3_options(f"http://127.0.0.1:{closed_port()}"),
               "-o", "config_kwargs=" + json.dumps({"retries": {"max_attempts": 1},
                                                    "connect_timeout": 2})]
    r = cli("ls", "s3://bucket/vault", *options, timeout=60)
    assert r.code == 5
    assert "cannot reach the storage" in single_error_line(r.err)


def test_corrupt_file(local_target: VaultTarget, cli: Run, tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    f = tmp_path / "f.bin"
    f.write_bytes(b"x" * 100_000)
    assert cli(*local_target.args("put", str(f), "/")).code == 0
    stored = max((p for p in Path(local_target.url, "d").rglob("*.c9r") if p.is_file()),
                 key=lambda p: p.stat().st_size)
    data = bytearray(stored.read_bytes())
    data[68 + 32768 + 100] ^= 0x01  # inside the second chunk
    stored.write_bytes(bytes(data))
    r = cli(*local_target.args("cat", "f.bin"))
    assert r.code == 6
    assert "authentication failed" in single_error_line(r.err)
    r = cli(*local_target.args("cat", "f.bin", "--debug"))
    assert r.code == 6 and "Traceback" in r.err
