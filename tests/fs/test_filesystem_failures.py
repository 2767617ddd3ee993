"""Failed and abandoned writes: nothing under the final name, no temporary files left."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest

from vaultui.crypto.errors import AuthenticationError
from vaultui.fs.errors import FileChangedError
from vaultui.fs.filesystem import VaultFileSystem

CHUNK = 32 * 1024
LONG_NAME = "a long file name " * 12 + ".bin"  # stored shortened, as H.c9s/contents.c9r

Lister = Callable[[VaultFileSystem], list[str]]


class BoomError(Exception):
    pass


def _no_temp_files(storage_files: list[str]) -> None:
    leftovers = [p for p in storage_files if p.rsplit("/", 1)[-1].startswith(".")
                 or p.endswith(".part")]
    assert not leftovers, leftovers


# -- failing while writing ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["plain.bin", LONG_NAME])
def test_exception_inside_a_with_block_publishes_nothing(vaultfs: VaultFileSystem,
                                                         list_storage: Lister,
                                                         name: str) -> None:
    before = list_storage(vaultfs)
    with pytest.raises(BoomError), vaultfs.open(name, "wb") as f:
        f.write(b"x" * (3 * CHUNK + 5))
        raise BoomError()
    assert vaultfs.ls("") == []
    assert not vaultfs.exists(name)
    assert list_storage(vaultfs) == before


@pytest.mark.parametrize("name", ["plain.bin", LONG_NAME])
def test_exception_while_overwriting_keeps_the_old_content(vaultfs: VaultFileSystem,
                                                           list_storage: Lister,
                                                           name: str) -> None:
    vaultfs.pipe_file(name, b"old content")
    before = list_storage(vaultfs)
    with pytest.raises(BoomError), vaultfs.open(name, "wb") as f:
        f.write(b"new" * 50000)
        raise BoomError()
    assert vaultfs.cat_file(name) == b"old content"
    assert list_storage(vaultfs) == before


@pytest.mark.parametrize("kind", ["memory", "local"])
@pytest.mark.parametrize("name", ["plain.bin", LONG_NAME])
@pytest.mark.parametrize("allowed", [0, 1, 3])
def test_storage_failing_on_the_nth_write(vault_factory, fail_writes, list_storage: Lister,
                                          kind: str, name: str, allowed: int) -> None:
    fs = vault_factory(kind)
    fs.mkdir("dir")
    before = list_storage(fs)
    fail_writes(fs, allowed)
    # Large enough for several storage writes: the engine writes chunks in ~1 MiB batches.
    with pytest.raises(OSError, match="injected"):
        fs.pipe_file(f"dir/{name}", b"y" * (3 * 1024 * 1024 + 5 * CHUNK))
    assert fs.ls("dir") == []
    assert list_storage(fs) == before


def test_storage_failing_while_overwriting_keeps_the_old_content(memvault, fail_writes,
                                                                  list_storage) -> None:
    memvault.pipe_file("f.bin", b"old")
    before = list_storage(memvault)
    fail_writes(memvault, 2)
    with pytest.raises(OSError, match="injected"):
        memvault.pipe_file("f.bin", b"new" * 50000)
    assert memvault.cat_file("f.bin") == b"old"
    assert list_storage(memvault) == before


def test_abandoned_write_publishes_nothing(vaultfs: VaultFileSystem,
                                           list_storage: Lister) -> None:
    before = list_storage(vaultfs)
    f = vaultfs.open("abandoned.bin", "wb")
    f.write(b"z" * (2 * CHUNK))
    del f
    gc.collect()
    assert not vaultfs.exists("abandoned.bin")
    assert list_storage(vaultfs) == before


def test_discard_publishes_nothing(vaultfs: VaultFileSystem, list_storage: Lister) -> None:
    before = list_storage(vaultfs)
    f = vaultfs.open("discarded.bin", "wb")
    f.write(b"z")
    f.discard()
    assert not vaultfs.exists("discarded.bin")
    assert list_storage(vaultfs) == before


def test_nothing_under_the_final_name_while_writing(vaultfs: VaultFileSystem,
                                                    list_storage: Lister) -> None:
    with vaultfs.open("slow.bin", "wb") as f:
        f.write(b"a" * (4 * CHUNK))
        assert not vaultfs.exists("slow.bin")
        assert vaultfs.ls("") == []
    assert vaultfs.cat_file("slow.bin") == b"a" * (4 * CHUNK)
    _no_temp_files(list_storage(vaultfs))


def test_hidden_part_files_are_not_listed(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("real.txt", b"r")
    content = vaultfs.ciphertext_paths("")[0]
    vaultfs.storage.pipe_file(f"{content}/.stale.c9r.0123456789ab.part", b"junk")
    assert vaultfs.ls("", detail=False) == ["real.txt"]
    assert vaultfs.find("") == ["real.txt"]


@pytest.mark.parametrize("allowed", [0, 1])
def test_failed_mkdir_leaves_nothing(memvault, fail_writes, list_storage, allowed) -> None:
    before = list_storage(memvault)
    fail_writes(memvault, allowed)
    with pytest.raises(OSError, match="injected"):
        memvault.mkdir("newdir")
    assert memvault.ls("") == []
    assert list_storage(memvault) == before


def test_failed_copy_leaves_nothing(vaultfs: VaultFileSystem, list_storage: Lister,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    vaultfs.pipe_file("src.bin", b"s" * 1000)
    before = list_storage(vaultfs)
    real_cp_file = vaultfs.storage.cp_file

    def half_copy(path1: str, path2: str, **kwargs: object) -> None:
        real_cp_file(path1, path2)
        raise OSError("injected: copy interrupted")

    monkeypatch.setattr(vaultfs.storage, "cp_file", half_copy)
    with pytest.raises(OSError, match="injected"):
        vaultfs.cp_file("src.bin", "dst.bin")
    assert not vaultfs.exists("dst.bin")
    assert list_storage(vaultfs) == before


def test_failed_get_leaves_no_local_file(vaultfs: VaultFileSystem, tmp_path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    vaultfs.pipe_file("f.bin", b"f" * (3 * CHUNK))
    content = vaultfs.ciphertext_paths("f.bin")[0]
    data = bytearray(vaultfs.storage.cat_file(content))
    data[-1] ^= 1  # the last chunk no longer authenticates
    vaultfs.storage.pipe_file(content, bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(AuthenticationError):
        vaultfs.get_file("f.bin", str(out / "f.bin"))
    assert list(out.iterdir()) == []


# -- files replaced while being read ------------------------------------------------------


@pytest.mark.parametrize("new_size", [4 * CHUNK, 3 * CHUNK + 7, 2 * CHUNK, 5])
def test_reading_a_file_replaced_meanwhile_fails_instead_of_truncating(
        vaultfs: VaultFileSystem, new_size: int) -> None:
    old = b"o" * (3 * CHUNK)
    vaultfs.pipe_file("f.bin", old)
    with vaultfs.open("f.bin", "rb") as f:
        vaultfs.pipe_file("f.bin", b"n" * new_size)  # another writer replaces it
        with pytest.raises((FileChangedError, AuthenticationError)):
            f.read()


@pytest.mark.parametrize("existing", [None, b"old content"])
def test_small_local_write_failing_leaves_nothing(vault_factory, list_storage: Lister,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 existing: bytes | None) -> None:
    """A small file on a local vault is written in one piece (pipe_file's fast path): a
    full disk there keeps the old content and leaves no temporary file.

    The full disk is faked (os.write raising ENOSPC): a fault we cannot cause here.
    """
    import errno
    import os

    fs = vault_factory("local")
    fs.mkdir("dir")
    if existing is not None:
        fs.pipe_file("dir/small.bin", existing)
    before = list_storage(fs)

    def full_disk(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device (injected)")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="injected"):
        patch.setattr(os, "write", full_disk)
        fs.pipe_file("dir/small.bin", b"z" * 5000)
    assert list_storage(fs) == before
    if existing is None:
        assert fs.ls("dir") == []
    else:
        assert fs.cat_file("dir/small.bin") == existing


def test_small_local_write_refuses_a_folder_and_an_existing_file(vault_factory) -> None:
    fs = vault_factory("local")
    fs.mkdir("dir")
    fs.pipe_file("f.txt", b"1")
    with pytest.raises(IsADirectoryError):
        fs.pipe_file("dir", b"x")
    with pytest.raises(FileExistsError):
        fs.pipe_file("f.txt", b"2", mode="create")
    assert fs.cat_file("f.txt") == b"1"
