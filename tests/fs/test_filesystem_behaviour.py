"""VaultFileSystem method by method, on memory and local storage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from vaultui.fs.filesystem import VaultFileSystem

# -- directories ----------------------------------------------------------------------


def test_writing_into_missing_folders_creates_them(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("new/deeper/file.txt", b"data")
    assert vaultfs.isdir("new") and vaultfs.isdir("new/deeper")
    assert vaultfs.cat_file("new/deeper/file.txt") == b"data"


def test_without_auto_mkdir_a_missing_parent_is_an_error(vault_factory) -> None:
    fs = vault_factory("memory", auto_mkdir=False)
    with pytest.raises(FileNotFoundError, match="parent directory"):
        fs.pipe_file("missing/file.txt", b"data")
    assert not fs.exists("missing")


def test_makedirs_tolerates_other_threads_making_the_same_folders(
        vaultfs: VaultFileSystem) -> None:
    def make(i: int) -> None:
        vaultfs.makedirs("shared/deep/er", exist_ok=True)
        vaultfs.pipe_file(f"shared/deep/er/{i}.txt", b"x")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(16)))
    assert sorted(vaultfs.ls("shared/deep/er", detail=False)) == sorted(
        f"shared/deep/er/{i}.txt" for i in range(16))


def test_makedirs_on_an_existing_folder(vaultfs: VaultFileSystem) -> None:
    vaultfs.makedirs("a/b")
    vaultfs.makedirs("a/b", exist_ok=True)
    with pytest.raises(FileExistsError):
        vaultfs.makedirs("a/b")
    vaultfs.makedirs("", exist_ok=True)


def test_get_file_creates_local_parent_folders(vaultfs: VaultFileSystem,
                                               tmp_path: Path) -> None:
    vaultfs.pipe_file("f.txt", b"data")
    target = tmp_path / "not" / "yet" / "f.txt"
    vaultfs.get_file("f.txt", str(target))
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]


# -- copying --------------------------------------------------------------------------


def test_recursive_copy_of_a_top_level_folder_into_an_existing_folder(
        vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("src/file", b"1")
    vaultfs.cp("src", "dest", recursive=True)  # dest is new: src's content lands in it
    assert vaultfs.cat_file("dest/file") == b"1"
    vaultfs.cp("src", "dest", recursive=True)  # dest exists: src itself goes inside
    assert vaultfs.cat_file("dest/src/file") == b"1"
    assert sorted(vaultfs.find("dest")) == ["dest/file", "dest/src/file"]


def test_recursive_get_of_a_top_level_folder_into_an_existing_folder(
        vaultfs: VaultFileSystem, tmp_path: Path) -> None:
    vaultfs.pipe_file("src/file", b"1")
    target = tmp_path / "out"
    vaultfs.get("src", str(target), recursive=True)
    vaultfs.get("src", str(target), recursive=True)
    assert (target / "file").read_bytes() == b"1"
    assert (target / "src" / "file").read_bytes() == b"1"
