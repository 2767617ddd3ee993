"""Create-if-absent on every storage: the first writer's object or folder stays, whole."""

from __future__ import annotations

import pytest

from tests.services import Location
from vaultui.fs.exclusive import create_file, create_folder
from vaultui.fs.storage import has_real_directories, join


def listing(location: Location, folder: str) -> set[str]:
    fs = location.fs
    fs.invalidate_cache()
    top = folder.rstrip("/")
    return {p.rstrip("/").rpartition("/")[2] for p in fs.find(folder, withdirs=True)
            if p.rstrip("/") != top}


def test_create_file_never_replaces(storage: Location) -> None:
    fs, root = storage
    folder = join(root, "f")
    fs.makedirs(folder, exist_ok=True)
    path = join(folder, "dir.c9r")
    assert create_file(fs, path, b"first")
    assert not create_file(fs, path, b"second")
    fs.invalidate_cache()
    assert bytes(fs.cat_file(path)) == b"first"
    assert listing(storage, folder) == {"dir.c9r"}  # no temporary object left behind


def test_create_folder_never_replaces(storage: Location) -> None:
    fs, root = storage
    content = join(root, "content")
    fs.makedirs(content, exist_ok=True)
    node = join(content, "X.c9s")
    assert create_folder(fs, node, {"name.c9s": b"long name", "dir.c9r": b"id-1"}, "dir.c9r")
    assert not create_folder(fs, node, {"name.c9s": b"long name", "dir.c9r": b"id-2"},
                             "dir.c9r")
    fs.invalidate_cache()
    assert bytes(fs.cat_file(join(node, "dir.c9r"))) == b"id-1"
    assert bytes(fs.cat_file(join(node, "name.c9s"))) == b"long name"
    assert {n for n in listing(storage, content) if n.startswith(".")} == set()


def test_create_folder_refuses_a_file_in_the_way(storage: Location) -> None:
    fs, root = storage
    content = join(root, "content")
    fs.makedirs(content, exist_ok=True)
    node = join(content, "X.c9r")
    fs.pipe_file(node, b"a file's ciphertext")
    if not has_real_directories(fs):
        pytest.skip("object stores keep a key and a prefix of one name apart")
    assert not create_folder(fs, node, {"dir.c9r": b"id"}, "dir.c9r")
    assert bytes(fs.cat_file(node)) == b"a file's ciphertext"
