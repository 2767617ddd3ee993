"""The key-store protocol and the in-memory store."""

from __future__ import annotations

import pytest

from vaultui.secrets import KeyStore, MemoryKeyStore


def test_memory_store_round_trip() -> None:
    store = MemoryKeyStore()
    assert isinstance(store, KeyStore)
    assert store.get("vault-a") is None
    store.set("vault-a", "pässwörd 1")
    store.set("vault-b", "other")
    assert store.get("vault-a") == "pässwörd 1"
    store.set("vault-a", "changed")
    assert store.get("vault-a") == "changed"
    assert store.delete("vault-a") is True
    assert store.delete("vault-a") is False
    assert store.get("vault-a") is None
    assert store.get("vault-b") == "other"


def test_memory_store_repr_hides_secrets() -> None:
    store = MemoryKeyStore()
    store.set("v", "hunter2-secret")
    assert "hunter2" not in repr(store)


@pytest.mark.parametrize("bad", ["", "a\nb", "x\0"])
def test_invalid_vault_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        MemoryKeyStore().set(bad, "s")
