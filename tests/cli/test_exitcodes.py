"""The exception → exit code table of docs/CLI.md, and storage option parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaultui.cli.errors import CliError, classify
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.options import parse_storage_options
from vaultui.crypto.errors import (
    AuthenticationError,
    FormatError,
    InvalidSignatureError,
    RecoveryKeyError,
    UnsupportedVaultError,
    WrongPassphraseError,
)
from vaultui.crypto.legacy import LegacyDecryptionError
from vaultui.crypto.stream import CancelledError
from vaultui.fs.errors import StorageUnavailableError, VaultConfigMissingError
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
