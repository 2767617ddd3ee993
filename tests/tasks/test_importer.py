"""ImportLegacy: formats detected per file, paths kept, nothing half-imported."""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

import fsspec
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from vaultui.crypto.errors import CancelledError
from vaultui.crypto.legacy import LegacyDecryptionError, LegacyFormat
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.importer import ImportLegacy
from vaultui.tasks.progress import Progress

KEY = os.urandom(32)


def cbc(plain: bytes) -> bytes:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return iv + enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()


def fernet(*parts: bytes) -> bytes:
    f = Fernet(base64.urlsafe_b64encode(KEY))
    return b"".join(f.encrypt(p) for p in parts)


@pytest.fixture
def vfs(tmp_path: Path) -> VaultFileSystem:
    root = tmp_path / "vault"
    root.mkdir()
    fs = fsspec.filesystem("file")
    VaultLocation(fs, str(root)).create("import passphrase", scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=str(root), passphrase="import passphrase")


def test_mixed_formats_keep_their_paths(vfs: VaultFileSystem, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "f.txt").write_bytes(fernet(b"fernet ", b"appended"))
    (src / "a" / "b" / "c.bin").write_bytes(cbc(b"cbc content"))
    result = ImportLegacy(fsspec.filesystem("file"), str(src), KEY, vfs, "in").run()
    assert result.files == 2
    assert result.formats == {LegacyFormat.FERNET: 1, LegacyFormat.CBC: 1}
    assert result.unauthenticated == 1
    assert vfs.cat_file("in/a/f.txt") == b"fernet appended"
    assert vfs.cat_file("in/a/b/c.bin") == b"cbc content"


def test_a_bad_file_is_not_imported(vfs: VaultFileSystem, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.bin").write_bytes(cbc(os.urandom(3 << 20))[:-16] + os.urandom(16))
    with pytest.raises(LegacyDecryptionError, match=r"bad\.bin"):
        ImportLegacy(fsspec.filesystem("file"), str(src), KEY, vfs).run()
    assert not vfs.exists("bad.bin")


def test_cancel_leaves_nothing(vfs: VaultFileSystem, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(cbc(os.urandom(6 << 20)))
    event = threading.Event()

    def progress(p: Progress) -> None:
        if p.bytes_done:
            event.set()

    before = sorted(vfs.storage.find(vfs.location.root))
    with pytest.raises(CancelledError):
        ImportLegacy(fsspec.filesystem("file"), str(src), KEY, vfs, cancel=event,
                     progress=progress).run()
    assert sorted(vfs.storage.find(vfs.location.root)) == before
