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


def test_a_folder_reached_twice_is_reported_and_walked_once(vfs: VaultFileSystem) -> None:
    mapper, storage = vfs.mapper, vfs.storage
    b_node = vfs.info("a/b")["node_path"]
    alias = mapper.node_for("", "alias", "alias")
    storage.makedirs(alias.node_path, exist_ok=True)
    storage.pipe_file(alias.dir_file_path, storage.cat_file(f"{b_node}/dir.c9r"))
    result = VerifyVault(vfs).run()
    assert result.files == 4  # a/b's two files once, not again under alias/
    (problem,) = result.problems  # whichever of the two names the walk met second
    other = {"alias": "a/b", "a/b": "alias"}[problem.path]
    assert f"names the same folder as {other!r}" in problem.reason


def test_a_folder_containing_itself_is_reported_not_followed(vfs: VaultFileSystem) -> None:
    a_id = vfs.mapper.dir_id("a")
    vfs.storage.pipe_file(vfs.info("a/b")["node_path"] + "/dir.c9r", a_id.encode())
    result = VerifyVault(vfs).run()
    assert [p.path for p in result.problems] == ["a/b"]
    assert result.files == 2  # a/good.bin and top.txt


def test_half_made_nodes_and_unexportable_names(vfs: VaultFileSystem) -> None:
    mapper, storage = vfs.mapper, vfs.storage
    long_name = "é" * 150  # 300 UTF-8 bytes: fine in a vault, too long for a local disk
    vfs.pipe_file(long_name, b"long")
    # A shortened node whose data never arrived (a write killed after its name.c9s).
    pending = mapper.node_for("", "p" * 200, "p" * 200)
    storage.makedirs(pending.node_path, exist_ok=True)
    storage.pipe_file(pending.name_file_path, pending.full_name.encode())
    # A folder node that lost its dir.c9r: what it held cannot be reached.
    storage.makedirs(mapper.node_for("", "lost", "lost").node_path, exist_ok=True)
    result = VerifyVault(vfs).run()
    assert [(p.path, p.reason.split(": ", 1)[1][:30]) for p in result.problems] == [
        ("/", "a folder node without dir.c9r ")]
    notes = {p.path: p.reason for p in result.notes}
    assert notes[long_name].startswith("cannot be a local file name: the name is 300 bytes")
    assert "an incomplete node: name.c9s without data" in notes["/"]
    assert notes["/"].startswith(pending.node_path[len(vfs.location.root) + 1:])
    assert result.files == 5


def test_conflict_copies_are_noted_not_resolved_even_on_a_resolving_vault(
        vfs: VaultFileSystem) -> None:
    storage = vfs.storage
    b_node = vfs.info("a/b")["node_path"]
    duplicate = b_node[: -len(".c9r")] + " (1).c9r"  # a folder copy naming the same id
    storage.makedirs(duplicate, exist_ok=True)
    storage.pipe_file(f"{duplicate}/dir.c9r", storage.cat_file(f"{b_node}/dir.c9r"))
    top = vfs.info("top.txt")["node_path"]
    storage.cp_file(top, top[: -len(".c9r")] + " (Alice).c9r")
    before = sorted(storage.find(vfs.location.root))
    result = VerifyVault(vfs).run()
    assert result.ok and result.files == 5  # the file copy is verified; the folder once
    assert [p.path for p in result.notes] == ["a/b (1)", "top (Alice).txt"]
    assert all("a sync-conflict copy of" in p.reason for p in result.notes)
    assert sorted(storage.find(vfs.location.root)) == before
