"""OS keyring behind a small key-store protocol."""

from vaultui.secrets.keyring_store import SERVICE, KeyringStore
from vaultui.secrets.store import (
    KeyStore,
    KeyStoreError,
    KeyStoreUnavailableError,
    MemoryKeyStore,
)

__all__ = [
    "SERVICE",
    "KeyStore",
    "KeyStoreError",
    "KeyStoreUnavailableError",
    "KeyringStore",
    "MemoryKeyStore",
]
