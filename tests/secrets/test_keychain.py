"""Keychain: every key-store failure becomes a message, never an exception."""

from __future__ import annotations

from vaultui.secrets.keychain import Keychain, memory_keychain
from vaultui.secrets.store import KeyStore, KeyStoreUnavailableError


def test_a_memory_keychain_keeps_secrets_and_storage_options() -> None:
    keychain = memory_keychain()
    assert keychain.get("vault:x").secret is None
    assert keychain.set("vault:x", "s3cret") == ""
    assert keychain.get("vault:x").secret == "s3cret"
    assert "s3cret" not in repr(keychain.get("vault:x"))
    assert keychain.set_storage_options("s3://b/v/", {"key": "k"}) == ""
    assert keychain.get_storage_options("s3://b/v") == ({"key": "k"}, "")
    assert keychain.delete("vault:x") == ""
    assert keychain.get("vault:x").secret is None


def test_an_unavailable_keyring_is_a_message() -> None:
    def refuse() -> KeyStore:
        raise KeyStoreUnavailableError("no OS keyring is available")

    keychain = Keychain(refuse)
    found = keychain.get("vault:x")
    assert found.secret is None and found.problem == "no OS keyring is available"
    assert keychain.set("vault:x", "s3cret") == "no OS keyring is available"
    assert keychain.delete("vault:x") == "no OS keyring is available"
    assert keychain.description == "the keyring"
