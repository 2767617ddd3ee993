"""VerifyVault: every chunk of every file authenticated, each damaged file reported."""

from __future__ import annotations

import os
from pathlib import Path

import fsspec
import pytest

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.verify import VerifyVault

PASS = "verify passphrase"


@pytest.fixture
def vfs(tmp_path: Path) -> VaultFileSystem:
    root = str(tmp_path / "vault")
    os.mkdir(root)
    fs = fsspec.filesystem("file")
    VaultLocation(fs, root).create(PASS, scrypt_cost=1024)
    vfs = VaultFileSystem(fs=fs, root=root, passphrase=PASS)
    vfs.makedirs("a/b")
    vfs.pipe_file("a/good.bin", os.urandom(200_000))
    vfs.pipe_file("a/b/bad.bin", os.urandom(100_000))
    vfs.pipe_file("a/b/short.bin", os.urandom(70_000))
    vfs.pipe_file("top.txt", b"hello")
    return vfs


def flip(vfs: VaultFileSystem, path: str, offset: int) -> None:
    storage_path = vfs.info(path)["ciphertext_path"]
    data = bytearray(vfs.storage.cat_file(storage_path))
    data[offset] ^= 1
    vfs.storage.pipe_file(storage_path, bytes(data))


def test_intact_vault_verifies(vfs: VaultFileSystem) -> None:
    result = VerifyVault(vfs, workers=2).run()
    assert result.ok
    assert result.files == 4
    assert result.bytes == 200_000 + 100_000 + 70_000 + 5


def test_each_damaged_file_is_reported(vfs: VaultFileSystem) -> None:
    flip(vfs, "a/b/bad.bin", 68 + 40_000)  # inside the second chunk
    storage_path = vfs.info("a/b/short.bin")["ciphertext_path"]
    data = vfs.storage.cat_file(storage_path)
    vfs.storage.pipe_file(storage_path, data[: 68 + 10])  # cut inside the first chunk
    result = VerifyVault(vfs).run()
    assert [p.path for p in result.problems] == ["a/b/bad.bin", "a/b/short.bin"]
    assert all("authentication failed" in p.reason or "size" in p.reason
               for p in result.problems)
    assert result.files >= 2


def test_verify_a_single_file_or_folder(vfs: VaultFileSystem) -> None:
    flip(vfs, "a/b/bad.bin", 100)
    assert VerifyVault(vfs, "top.txt").run().ok
    only = VerifyVault(vfs, "a/b").run()
    assert [p.path for p in only.problems] == ["a/b/bad.bin"]
