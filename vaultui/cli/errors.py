"""Turning any failure into one line for the user and an exit code: one table of rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.termsafe import safe_message
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
from vaultui.extras import explain_missing
from vaultui.fs.errors import RefusedOperationError, StorageUnavailableError, VaultNotFoundError
from vaultui.secrets.identities import IdentityError
from vaultui.secrets.kms import KmsError
from vaultui.secrets.pins import PinMismatchError
from vaultui.secrets.recipients import RecipientError
from vaultui.secrets.store import KeyStoreUnavailableError
from vaultui.tasks.sharing import NoSlotOpenedError
from vaultui.tasks.streams import KeyMismatchError


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


def _missing_package(exc: BaseException) -> str:
    assert isinstance(exc, ImportError)
    better = explain_missing(exc)
    if better is not None:
        return str(better)
    return f"{_text(exc)} (a package vaultui needs is not installed)"


def _unknown_protocol(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and "Protocol not known" in str(exc)


@dataclass(frozen=True)
class Rule:
    """Exceptions of `types` (or matching `matches`) exit with `code`.

    `documented_as` is the phrase of docs/CLI.md's exit-code table, in the row of `code`,
    that covers them: tests/cli/test_exitcodes.py holds the table against these rules.
    """

    types: tuple[type[BaseException], ...]
    code: ExitCode
    documented_as: str
    message: Callable[[BaseException], str] = _text
    matches: Callable[[BaseException], bool] | None = None

    def applies(self, exc: BaseException) -> bool:
        if self.matches is not None:
            return self.matches(exc)
        return isinstance(exc, self.types)


#: The first rule that applies wins: subclasses come before their bases.
RULES: tuple[Rule, ...] = (
    Rule((CancelledError, KeyboardInterrupt), ExitCode.CANCELLED, "interrupted",
         lambda e: "cancelled"),
    Rule((WrongPassphraseError,), ExitCode.AUTH, "wrong passphrase",
         lambda e: "wrong passphrase"),
    Rule((InvalidSignatureError, KeyMismatchError, LegacyDecryptionError), ExitCode.AUTH,
         "wrong passphrase or key"),
    Rule((RecoveryKeyError,), ExitCode.AUTH, "a recovery key that does not decode"),
    Rule((PinMismatchError,), ExitCode.AUTH, "a vault whose key changed since it was pinned"),
    Rule((NoSlotOpenedError,), ExitCode.AUTH, "no key slot opened"),
    Rule((KmsError,), ExitCode.STORAGE, "a cloud KMS refuses or fails"),
    Rule((RecipientError, IdentityError), ExitCode.USAGE,
         "a public key or identity vaultui cannot use"),
    Rule((AuthenticationError,), ExitCode.CORRUPT, "data failed authentication"),
    Rule((UnsupportedVaultError,), ExitCode.ERROR, "unsupported vault"),
    Rule((FormatError,), ExitCode.CORRUPT, "is malformed"),
    Rule((RefusedOperationError,), ExitCode.USAGE, "a request that can never succeed"),
    Rule((KeyStoreUnavailableError,), ExitCode.KEYRING, "the OS keyring is unavailable"),
    Rule((StorageUnavailableError,), ExitCode.STORAGE, "cannot be reached"),
    Rule((VaultNotFoundError,), ExitCode.NOT_FOUND, "no vault at the location"),
    Rule((FileNotFoundError,), ExitCode.NOT_FOUND, "no such file or folder",
         lambda e: f"not found: {_text(e)}"),
    Rule((FileExistsError,), ExitCode.EXISTS, "already exists",
         lambda e: f"already exists: {_text(e)}"),
    Rule((IsADirectoryError, NotADirectoryError), ExitCode.ERROR,
         "a folder where a file was expected"),
    Rule((PermissionError,), ExitCode.STORAGE, "refuses access",
         lambda e: f"permission denied: {_text(e)}"),
    Rule((ConnectionError, TimeoutError), ExitCode.STORAGE, "network",
         lambda e: f"cannot reach the storage: {_text(e)}",
         lambda e: isinstance(e, (ConnectionError, TimeoutError)) or _from_storage_library(e)),
    Rule((ImportError,), ExitCode.ERROR, "any other error", _missing_package),
    Rule((OSError,), ExitCode.STORAGE, "I/O", lambda e: f"storage error: {_text(e)}"),
    Rule((ValueError,), ExitCode.USAGE, "unknown storage protocol",
         lambda e: f"unknown storage type: {_text(e)}", _unknown_protocol),
    Rule((ValueError,), ExitCode.ERROR, "any other error"),
)

#: Whatever no rule names.
FALLBACK = Rule((BaseException,), ExitCode.ERROR, "any other error",
                lambda e: f"{type(e).__name__}: {_text(e)}")


def rule_for(exc: BaseException) -> Rule:
    return next((r for r in RULES if r.applies(exc)), FALLBACK)


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and the one-line message for an exception.

    The message can quote names from the vault: control characters are escaped so it
    cannot repaint the terminal or span lines (see termsafe.py).
    """
    if isinstance(exc, CliError):
        return exc.code, safe_message(str(exc))
    rule = rule_for(exc)
    return rule.code, safe_message(rule.message(exc))
