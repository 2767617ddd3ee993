"""A keychain that keeps secrets in memory only (smoke tests, sessions without a keyring)."""

from __future__ import annotations

from vaultui.secrets import MemoryKeyStore
from vaultui.secrets.keychain import Keychain


def memory_keychain() -> Keychain:
    store = MemoryKeyStore()
    return Keychain(lambda: store)
