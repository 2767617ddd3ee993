"""Turning any failure into one line for the user and an exit code."""

from __future__ import annotations

from vaultui.cli.exitcodes import ExitCode
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
from vaultui.fs.errors import StorageUnavailableError, VaultNotFoundError
from vaultui.secrets.store import KeyStoreUnavailableError
from vaultui.tasks.streams import KeyMismatchError


class CliError(Exception):
    """A failure the command already described for the user."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.code = code


def _text(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.filename}: {exc.strerror}"
    return text or type(exc).__name__


def _from_storage_library(exc: BaseException) -> bool:
    """Errors of the storage clients (botocore, aiohttp, azure, asyncssh) that are not OSError."""
    module = type(exc).__module__.split(".")[0]
    return module in {"botocore", "aiobotocore", "aiohttp", "azure", "asyncssh", "urllib3",
                      "requests", "paramiko"}


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and the one-line message for an exception."""
    if isinstance(exc, CliError):
        return exc.code, str(exc)
    if isinstance(exc, (CancelledError, KeyboardInterrupt)):
        return ExitCode.CANCELLED, "cancelled"
    if isinstance(exc, WrongPassphraseError):
        return ExitCode.AUTH, "wrong passphrase"
    if isinstance(exc, (InvalidSignatureError, RecoveryKeyError, KeyMismatchError,
                        LegacyDecryptionError)):
        return ExitCode.AUTH, _text(exc)
    if isinstance(exc, AuthenticationError):
        return ExitCode.CORRUPT, _text(exc)
    if isinstance(exc, UnsupportedVaultError):
        return ExitCode.ERROR, _text(exc)
    if isinstance(exc, FormatError):
        return ExitCode.CORRUPT, _text(exc)
    if isinstance(exc, KeyStoreUnavailableError):
        return ExitCode.KEYRING, _text(exc)
    if isinstance(exc, StorageUnavailableError):
        return ExitCode.STORAGE, _text(exc)
    if isinstance(exc, VaultNotFoundError):
        return ExitCode.NOT_FOUND, _text(exc)
    if isinstance(exc, FileNotFoundError):
        return ExitCode.NOT_FOUND, f"not found: {_text(exc)}"
    if isinstance(exc, FileExistsError):
        return ExitCode.EXISTS, f"already exists: {_text(exc)}"
    if isinstance(exc, (IsADirectoryError, NotADirectoryError)):
        return ExitCode.ERROR, _text(exc)
    if isinstance(exc, PermissionError):
        return ExitCode.STORAGE, f"permission denied: {_text(exc)}"
    if isinstance(exc, (ConnectionError, TimeoutError)) or _from_storage_library(exc):
        return ExitCode.STORAGE, f"cannot reach the storage: {_text(exc)}"
    if isinstance(exc, ImportError):
        return ExitCode.ERROR, f"{_text(exc)} (the storage's fsspec package is not installed)"
    if isinstance(exc, OSError):
        return ExitCode.STORAGE, f"storage error: {_text(exc)}"
    if isinstance(exc, ValueError) and "Protocol not known" in str(exc):
        return ExitCode.USAGE, f"unknown storage type: {_text(exc)}"
    if isinstance(exc, ValueError):
        return ExitCode.ERROR, _text(exc)
    return ExitCode.ERROR, f"{type(exc).__name__}: {_text(exc)}"
