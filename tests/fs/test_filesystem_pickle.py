"""A VaultFileSystem pickles as where the vault is plus where its key comes from."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import pytest
from dask.base import tokenize

from tests.fs.conftest import CHEAP_SCRYPT, PASSPHRASE
from vaultui.crypto.errors import InvalidSignatureError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keysource import KeySourceError, ProcessKeySource, hold_key, release_key
from vaultui.fs.filesystem import KeyInProcessWarning, VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.keysource import EnvKeySource, FileKeySource


@pytest.fixture
def vault(tmp_path: Path) -> tuple[str, Masterkey]:
    root = tmp_path / "vault"
    root.mkdir()
    key = VaultLocation.from_url(str(root)).create(PASSPHRASE, scrypt_cost=CHEAP_SCRYPT)
    return str(root), key


def secret_bytes(key: Masterkey) -> list[bytes]:
    return [PASSPHRASE.encode(), key.raw, key.enc_key, key.mac_key, key.raw.hex().encode()]


def test_a_key_source_travels_instead_of_the_key(vault: tuple[str, Masterkey],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, key = vault
    monkeypatch.setenv("VAULTUI_TEST_PW", PASSPHRASE)
    fs = VaultFileSystem(root, key_source=EnvKeySource("VAULTUI_TEST_PW"))
    fs.pipe_file("a/b.txt", b"hello")
    blob = pickle.dumps(fs)
    for secret in secret_bytes(key):
        assert secret not in blob
    copy = pickle.loads(blob)
    assert copy.cat_file("a/b.txt") == b"hello"
    assert copy.key_source == EnvKeySource("VAULTUI_TEST_PW")
    assert copy.vault_id == fs.vault_id
    assert "key_source" not in fs.storage_options


def test_a_passphrase_is_converted_to_a_key_held_in_this_process(
        vault: tuple[str, Masterkey]) -> None:
    root, key = vault
    fs = VaultFileSystem(root, passphrase=PASSPHRASE)
    fs.pipe_file("f", b"x")
    with pytest.warns(KeyInProcessWarning, match="key source"):
        blob = pickle.dumps(fs)
    for secret in secret_bytes(key):
        assert secret not in blob
    assert fs.key_source == ProcessKeySource()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.dumps(fs)  # warned once per filesystem
        assert pickle.loads(blob).cat_file("f") == b"x"
    release_key(fs.vault_id)
    locked = pickle.loads(blob)  # fails on first use, so Dask reports it from the task
    with pytest.raises(KeySourceError, match="holds no key for vault") as caught:
        locked.cat_file("f")
    assert "VaultKeys" in str(caught.value)
    assert fs.location.url in repr(locked)
    hold_key(fs.vault_id, key.raw)
    try:
        assert pickle.loads(pickle.dumps(locked)).cat_file("f") == b"x"
    finally:
        release_key(fs.vault_id)


def test_a_wrong_key_from_a_source_fails_when_opening(vault: tuple[str, Masterkey],
                                                      tmp_path: Path) -> None:
    root, _ = vault
    fs = VaultFileSystem(root, passphrase=PASSPHRASE)
    hold_key(fs.vault_id, Masterkey.generate().raw)
    try:
        with pytest.raises(InvalidSignatureError):
            VaultFileSystem(root, key_source=ProcessKeySource())
    finally:
        release_key(fs.vault_id)
    key_file = tmp_path / "key.txt"
    key_file.write_text(Masterkey.generate().raw.hex() + "\n")
    with pytest.raises(InvalidSignatureError):
        VaultFileSystem(root, key_source=FileKeySource(key_file, kind="key"))


def test_tokens_name_the_vault_not_the_key(vault: tuple[str, Masterkey],
                                           tmp_path: Path) -> None:
    root, key = vault
    key_file = tmp_path / "pw"
    key_file.write_text(PASSPHRASE)
    by_key = VaultFileSystem(root, masterkey=key)
    by_file = VaultFileSystem(root, key_source=FileKeySource(key_file))
    assert by_key._fs_token == by_file._fs_token
    assert tokenize(by_file) == tokenize(VaultFileSystem(root, key_source=FileKeySource(
        key_file)))
    with pytest.warns(KeyInProcessWarning):
        assert tokenize(by_key) == tokenize(by_file)
    other = tmp_path / "other"
    other.mkdir()
    VaultLocation.from_url(str(other)).create(PASSPHRASE, scrypt_cost=CHEAP_SCRYPT)
    assert VaultFileSystem(str(other), passphrase=PASSPHRASE)._fs_token != by_key._fs_token
    for text in (by_key._fs_token, str(tokenize(by_file))):
        assert PASSPHRASE not in text and key.raw.hex() not in text
