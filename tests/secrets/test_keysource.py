"""Key sources that a worker reads by itself: environment, file, OS keyring."""

from __future__ import annotations

import base64
import os
import pickle
import uuid
from pathlib import Path
from typing import Any

import pytest

from vaultui.crypto.keysource import KeySource, KeySourceError
from vaultui.secrets import KeyringStore
from vaultui.secrets.keysource import (
    MAX_SECRET_FILE,
    EnvKeySource,
    FileKeySource,
    KeyringKeySource,
    decode_key,
)

RAW = bytes(range(64))


def unwrap(passphrase: str) -> bytes:
    """Stands in for scrypt: the passphrase's bytes, padded to a key."""
    return passphrase.encode().ljust(64, b"\0")


def test_keys_decode_from_hex_base64_and_base64url() -> None:
    for text in (RAW.hex(), base64.b64encode(RAW).decode(),
                 base64.urlsafe_b64encode(RAW).decode(), f"  {RAW.hex()}\n"):
        assert decode_key(text) == RAW
    with pytest.raises(KeySourceError) as caught:
        decode_key(RAW.hex()[:-2])
    assert RAW.hex()[:20] not in str(caught.value)


def test_environment_source(monkeypatch: pytest.MonkeyPatch) -> None:
    source = EnvKeySource("VAULTUI_TEST_SECRET")
    monkeypatch.delenv("VAULTUI_TEST_SECRET", raising=False)
    with pytest.raises(KeySourceError, match="VAULTUI_TEST_SECRET"):
        source.load("vault:x", unwrap)
    monkeypatch.setenv("VAULTUI_TEST_SECRET", "pw")
    assert source.load("vault:x", unwrap) == unwrap("pw")
    monkeypatch.setenv("VAULTUI_TEST_SECRET", RAW.hex())
    assert EnvKeySource("VAULTUI_TEST_SECRET", kind="key").load("vault:x", unwrap) == RAW


def test_file_source(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    with pytest.raises(KeySourceError, match="cannot read"):
        FileKeySource(path).load("vault:x", unwrap)
    path.write_text("pass phrase \n")
    assert FileKeySource(path).load("vault:x", unwrap) == unwrap("pass phrase ")
    path.write_text("")
    with pytest.raises(KeySourceError, match="empty"):
        FileKeySource(path).load("vault:x", unwrap)
    path.write_bytes(b"x" * (MAX_SECRET_FILE + 1))
    with pytest.raises(KeySourceError, match="larger"):
        FileKeySource(path).load("vault:x", unwrap)
    path.write_text(base64.b64encode(RAW).decode())
    assert FileKeySource(path, kind="key").load("vault:x", unwrap) == RAW


def test_keyring_source(secret_service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: secret_service)
    vault_id = f"vault:{uuid.uuid4()}"
    with pytest.raises(KeySourceError, match="holds no passphrase"):
        KeyringKeySource().load(vault_id, unwrap)
    store = KeyringStore(secret_service)
    store.set(vault_id, "remembered")
    try:
        assert KeyringKeySource().load(vault_id, unwrap) == unwrap("remembered")
    finally:
        store.delete(vault_id)


def test_sources_pickle_compare_and_show_no_secret(tmp_path: Path) -> None:
    sources = [EnvKeySource("X"), FileKeySource(tmp_path / "f", kind="key"), KeyringKeySource()]
    for source in sources:
        assert isinstance(source, KeySource)
        copy = pickle.loads(pickle.dumps(source))
        assert copy == source and hash(copy) == hash(source)
        assert type(source).__name__ in repr(source)
    assert EnvKeySource("X") != EnvKeySource("Y")
    assert os.fspath(tmp_path / "f") in repr(sources[1])
