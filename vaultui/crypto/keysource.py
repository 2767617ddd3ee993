"""The key-source protocol, and keys held in this process's memory by vault id.

A key source names where a vault's key is found (the OS keyring by vault id, an environment
variable, a file, this process's memory) and loads it on demand. It never holds key
material itself, so it can be pickled, logged and hashed: it is what travels to another
process (a Dask worker) in place of the key.

The protocol is one method: given the vault id and an `unwrap` callback (a passphrase in,
the vault's 64-byte raw key out: the caller reads the masterkey file and runs scrypt), a
source returns the 64-byte raw key or raises KeySourceError. Whatever it returns must still
verify the vault's config, so a wrong key fails at unlock, never later. It lives here, below
both the filesystem that calls it and `vaultui.secrets`, which holds the other sources.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from vaultui.crypto.constants import RAW_MASTERKEY_LENGTH
from vaultui.crypto.errors import VaultError

#: A passphrase in, the vault's 64-byte raw key out.
Unwrap = Callable[[str], bytes]


class KeySourceError(VaultError):
    """A key source has no key for this vault (the message says where it looked)."""


@runtime_checkable
class KeySource(Protocol):
    """Finds a vault's key by vault id; holds no secret, so it can be pickled and logged.

    Implementations compare equal when they name the same place (a process caches the keys
    it loaded by vault id and source).
    """

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        """The vault's 64-byte raw key, or KeySourceError saying where it looked."""
        ...


_held: dict[str, bytes] = {}
_held_lock = threading.Lock()


def hold_key(vault_id: str, raw: bytes) -> None:
    """Keep a vault's raw key in this process's memory, for ProcessKeySource."""
    if len(raw) != RAW_MASTERKEY_LENGTH:
        raise ValueError(f"a raw vault key is {RAW_MASTERKEY_LENGTH} bytes")
    with _held_lock:
        _held[vault_id] = bytes(raw)


def release_key(vault_id: str) -> bool:
    """Forget a key hold_key kept; False when there was none."""
    with _held_lock:
        return _held.pop(vault_id, None) is not None


@dataclass(frozen=True)
class ProcessKeySource:
    """A key this process holds in memory (hold_key; on Dask workers, vaultui.dask.VaultKeys)."""

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        with _held_lock:
            raw = _held.get(vault_id)
        if raw is None:
            raise KeySourceError(
                f"this process (pid {os.getpid()}) holds no key for vault {vault_id}; on Dask "
                "workers register vaultui.dask.VaultKeys, or open the vault with a key source "
                "the workers can reach (keyring, environment variable, file)")
        return raw
