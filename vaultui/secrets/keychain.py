"""The key store as the front ends use it: never raises, says why it cannot be used.

Passphrases are filed under the vault's id (``vault:<jti>``, see ``VaultLocation.vault_id``);
the app's storage credentials (S3 keys, Azure connection strings, SFTP passwords) under
``storage:<location URL>`` as JSON (the URL never holds credentials). Every call may block
on D-Bus, so the GUI makes them from worker jobs only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultui.secrets.keyring_store import KeyringStore
from vaultui.secrets.store import KeyStore, KeyStoreError, MemoryKeyStore

StoreFactory = Callable[[], KeyStore]


@dataclass(frozen=True)
class Lookup:
    """What the keyring gave: the secret, or None and (when it could not be asked) why."""

    secret: str | None
    problem: str = ""

    def __repr__(self) -> str:  # never the secret itself
        return f"Lookup(found={self.secret is not None}, problem={self.problem!r})"


def storage_key(url: str) -> str:
    return f"storage:{url.rstrip('/')}"


class Keychain:
    """A key store opened on demand; every failure becomes a message, not an exception."""

    def __init__(self, factory: StoreFactory = KeyringStore) -> None:
        self._factory = factory
        #: What the last store opened calls itself, for "remembered in ..." messages.
        self.description = "the keyring"

    def __repr__(self) -> str:
        return "Keychain()"

    def _store(self) -> KeyStore:
        store = self._factory()
        self.description = store.description
        return store

    def get(self, key: str) -> Lookup:
        try:
            return Lookup(self._store().get(key))
        except KeyStoreError as exc:
            return Lookup(None, str(exc))

    def set(self, key: str, secret: str) -> str:
        """Store the secret; "" on success, else why it was not stored."""
        try:
            self._store().set(key, secret)
        except KeyStoreError as exc:
            return str(exc)
        return ""

    def delete(self, key: str) -> str:
        """Forget the secret; "" on success (or when there was none), else why not."""
        try:
            self._store().delete(key)
        except KeyStoreError as exc:
            return str(exc)
        return ""

    # -- storage credentials ------------------------------------------------------------

    def get_storage_options(self, url: str) -> tuple[dict[str, Any], str]:
        found = self.get(storage_key(url))
        if found.secret is None:
            return {}, found.problem
        try:
            options = json.loads(found.secret)
        except ValueError:
            return {}, "the saved storage settings are damaged"
        return (options, "") if isinstance(options, dict) else ({}, "")

    def set_storage_options(self, url: str, options: dict[str, Any]) -> str:
        return self.set(storage_key(url), json.dumps(options, sort_keys=True))


def memory_keychain() -> Keychain:
    """A keychain that keeps secrets in this process only (smoke tests, screenshots)."""
    store = MemoryKeyStore()
    return Keychain(lambda: store)
