"""Damaged directories: a missing or garbled dir.c9r or content folder is reported by name."""

from __future__ import annotations

import pytest

from vaultui.crypto.errors import FormatError
from vaultui.fs.errors import VaultCorruptError
from vaultui.fs.filesystem import VaultFileSystem


@pytest.fixture
def damaged(vaultfs: VaultFileSystem) -> VaultFileSystem:
    vaultfs.pipe_file("a/b/inside.txt", b"i")
    return vaultfs


def test_missing_dir_file_names_the_directory(damaged: VaultFileSystem) -> None:
    node = damaged.ciphertext_paths("a/b")[0]
    damaged.storage.rm_file(f"{node}/dir.c9r")
    damaged.invalidate_cache()
    for call in (lambda: damaged.ls("a/b"), lambda: damaged.info("a/b"),
                 lambda: damaged.cat_file("a/b/inside.txt"),
                 lambda: damaged.pipe_file("a/b/new.txt", b"n")):
        with pytest.raises(VaultCorruptError, match="'a/b'"):
            call()


def test_missing_content_folder_names_the_directory(damaged: VaultFileSystem) -> None:
    content = damaged.ciphertext_paths("a/b")[-1]
    damaged.storage.rm(content, recursive=True)
    damaged.invalidate_cache()
    with pytest.raises(VaultCorruptError, match="'a/b'"):
        damaged.ls("a/b")
    with pytest.raises(VaultCorruptError, match="'a/b'"):
        damaged.find("a")


@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe\x00", b"x" * 37, b"y" * 5000,
                                     b"not-a-directory-id"])
def test_garbage_dir_file_names_the_directory(damaged: VaultFileSystem,
                                              garbage: bytes) -> None:
    node = damaged.ciphertext_paths("a/b")[0]
    damaged.storage.pipe_file(f"{node}/dir.c9r", garbage)
    damaged.invalidate_cache()
    with pytest.raises(VaultCorruptError, match="'a/b'"):
        damaged.ls("a/b")


def test_directory_containing_itself_is_reported_not_followed(damaged: VaultFileSystem) -> None:
    a_id = damaged.mapper.dir_id("a")
    node = damaged.ciphertext_paths("a/b")[0]
    damaged.storage.pipe_file(f"{node}/dir.c9r", a_id.encode())
    damaged.invalidate_cache()
    with pytest.raises(VaultCorruptError, match="'a/b'"):
        damaged.ls("a/b")
    # rm enters each directory id once: the loop is removed with the folder holding it.
    damaged.rm("a", recursive=True)
    assert not damaged.exists("a")
    assert damaged.mapper.content_dir(a_id) not in damaged.storage.find(damaged.location.root,
                                                                        withdirs=True)


def test_file_of_an_impossible_size_is_shown_damaged(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("f.bin", b"x" * 100)
    node = vaultfs.ciphertext_paths("f.bin")[0]
    vaultfs.storage.pipe_file(node, bytes(vaultfs.storage.cat_file(node))[:80])  # 68 + 12
    (listed,) = vaultfs.ls("")
    info = vaultfs.info("f.bin")
    for shown in (listed, info):
        assert shown["damaged"] and shown["size"] == 0 and shown["type"] == "file"
    assert vaultfs.exists("f.bin") and vaultfs.isfile("f.bin")
    with pytest.raises(FormatError):
        vaultfs.cat_file("f.bin")


def test_a_listing_says_which_nodes_it_leaves_out_and_why(
        vaultfs: VaultFileSystem, caplog: pytest.LogCaptureFixture) -> None:
    vaultfs.pipe_file("a/moved.txt", b"m")
    vaultfs.pipe_file("kept.txt", b"k")
    long_name = "n" * 160
    vaultfs.pipe_file(long_name, b"l")
    mapper, storage = vaultfs.mapper, vaultfs.storage
    moved = vaultfs.info("a/moved.txt")["node_path"]
    root_content = mapper.content_dir("")
    storage.mv(moved, f"{root_content}/{moved.rpartition('/')[2]}")
    long_node = vaultfs.info(long_name)["node_path"]
    storage.pipe_file(f"{long_node}/name.c9s", moved.rpartition("/")[2].encode())
    vaultfs.invalidate_cache()
    with caplog.at_level("WARNING", logger="vaultui.fs.nodes"):
        assert vaultfs.ls("", detail=False) == ["a", "kept.txt"]
    reasons = {str(r.args[0]): str(r.args[1]) for r in caplog.records
               if isinstance(r.args, tuple)}
    assert reasons == {
        f"{root_content}/{moved.rpartition('/')[2]}":
            "its name does not decrypt in this folder (moved here from another folder, "
            "or damaged)",
        long_node: "its name.c9s does not match the shortened name (it belongs to another "
                   "node)"}
    # The read-only view lists the same without logging, and reports them itself.
    listing = mapper.read_only().listing("", "")
    assert sorted(s.node_path for s in listing.skipped) == sorted(reasons)
