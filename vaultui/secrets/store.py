"""The key-store protocol, its errors, and an in-memory store for tests.

What a store keeps per vault is the vault's **passphrase**, as Cryptomator does, under the
vault's stable id (see docs/CLI.md, "Remembering passphrases"). Trade-off: a remembered
passphrase stops working as soon as the passphrase is changed (so `passwd` revokes it, and a
leaked keyring entry is worth nothing after a change), at the cost of running scrypt on every
unlock; storing the unwrapped key would skip scrypt but stay valid forever, whatever happens to
the passphrase.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class KeyStoreError(Exception):
    """A key store could not do what was asked."""


class KeyStoreUnavailableError(KeyStoreError):
    """No usable key store: none installed, none running, locked, or one we refuse."""


@runtime_checkable
class KeyStore(Protocol):
    """Secrets by vault id. Implementations raise KeyStoreUnavailableError, nothing else."""

    @property
    def description(self) -> str:
        """What the store is, for messages ("Secret Service keyring", "memory")."""
        ...

    def get(self, vault_id: str) -> str | None:
        """The secret stored for this vault, or None."""
        ...

    def set(self, vault_id: str, secret: str) -> None:
        """Store (or replace) the secret for this vault."""
        ...

    def delete(self, vault_id: str) -> bool:
        """Remove the secret for this vault; False when there was none."""
        ...


def check_vault_id(vault_id: str) -> str:
    """A vault id is a non-empty string without line breaks (it names a keyring item)."""
    if not vault_id or any(c in vault_id for c in "\r\n\0"):
        raise ValueError(f"invalid vault id {vault_id!r}")
    return vault_id


class MemoryKeyStore:
    """A key store in a dict: for tests, and for a session that must not touch the OS keyring."""

    description = "memory"

    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"MemoryKeyStore({len(self._items)} items)"

    def get(self, vault_id: str) -> str | None:
        return self._items.get(check_vault_id(vault_id))

    def set(self, vault_id: str, secret: str) -> None:
        self._items[check_vault_id(vault_id)] = secret

    def delete(self, vault_id: str) -> bool:
        return self._items.pop(check_vault_id(vault_id), None) is not None
