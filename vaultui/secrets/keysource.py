"""Key sources a worker reads by itself: an environment variable, a file, the OS keyring.

The protocol (`KeySource`) and the in-memory source live in vaultui.crypto.keysource, below
the filesystem that calls them; these are the sources that need the outside world.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vaultui.crypto.constants import RAW_MASTERKEY_LENGTH
from vaultui.crypto.keysource import KeySourceError, Unwrap
from vaultui.secrets.store import KeyStoreError

#: A passphrase or key file larger than this is not one: refuse before reading it all.
MAX_SECRET_FILE = 64 * 1024

#: What a variable or file holds: a passphrase, or the raw key (hex, base64 or base64url).
SecretKind = Literal["passphrase", "key"]


def decode_key(text: str) -> bytes:
    """A raw key written as hex, base64 or base64url; KeySourceError if it is none of them."""
    text = text.strip()
    candidates: list[Callable[[str], bytes]] = [
        bytes.fromhex,
        lambda t: base64.b64decode(t, validate=True),
        lambda t: base64.urlsafe_b64decode(t.encode("ascii")),
    ]
    for decode in candidates:
        try:
            raw = decode(text)
        except (ValueError, binascii.Error, UnicodeEncodeError):
            continue
        if len(raw) == RAW_MASTERKEY_LENGTH:
            return raw
    # Never quote the text: it is (a mistyped form of) a key.
    raise KeySourceError(
        f"not a {RAW_MASTERKEY_LENGTH}-byte vault key in hex, base64 or base64url")


def _resolve(text: str, kind: SecretKind, unwrap: Unwrap) -> bytes:
    return decode_key(text) if kind == "key" else unwrap(text)


@dataclass(frozen=True)
class EnvKeySource:
    """The passphrase (or raw key) in an environment variable of the process that opens."""

    name: str = "VAULTUI_PASSPHRASE"
    kind: SecretKind = "passphrase"

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        text = os.environ.get(self.name)
        if not text:
            raise KeySourceError(
                f"no vault {self.kind} in the environment variable {self.name} of this process"
                f" (pid {os.getpid()})")
        return _resolve(text, self.kind, unwrap)


@dataclass(frozen=True)
class FileKeySource:
    """The passphrase (or raw key) in a file on the machine that opens (one line, ≤ 64 KiB)."""

    path: str | os.PathLike[str]
    kind: SecretKind = "passphrase"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))  # equal whatever form it came in

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        try:
            with Path(self.path).open("rb") as handle:
                data = handle.read(MAX_SECRET_FILE + 1)
        except OSError as exc:
            raise KeySourceError(
                f"cannot read the vault {self.kind} file {self.path}: {exc.strerror}") from None
        if len(data) > MAX_SECRET_FILE:
            raise KeySourceError(f"{self.path} is larger than {MAX_SECRET_FILE} bytes: "
                                 f"not a {self.kind} file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise KeySourceError(f"{self.path} is not UTF-8 text") from None
        # One trailing line break is the file's, not the passphrase's (echo, editors).
        text = text.removesuffix("\n").removesuffix("\r")
        if not text:
            raise KeySourceError(f"the vault {self.kind} file {self.path} is empty")
        return _resolve(text, self.kind, unwrap)


@dataclass(frozen=True)
class KeyringKeySource:
    """The passphrase remembered in the OS keyring of the process that opens, by vault id."""

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        from vaultui.secrets.keyring_store import KeyringStore

        try:
            passphrase = KeyringStore().get(vault_id)
        except KeyStoreError as exc:
            raise KeySourceError(f"no keyring on this machine for vault {vault_id}: {exc}"
                                 ) from None
        if passphrase is None:
            raise KeySourceError(f"the OS keyring holds no passphrase for vault {vault_id}")
        return unwrap(passphrase)
