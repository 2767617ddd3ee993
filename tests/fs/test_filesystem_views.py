"""Both views of a vault: cleartext path -> ciphertext objects, and back."""

from __future__ import annotations

import pytest

from vaultui.fs.filesystem import VaultFileSystem

LONG = "a name long enough to be shortened " * 5 + ".txt"


@pytest.fixture
def populated(vaultfs: VaultFileSystem) -> VaultFileSystem:
    vaultfs.pipe_file("top.txt", b"t")
    vaultfs.pipe_file("a/b/deep.txt", b"d")
    vaultfs.pipe_file(f"a/{LONG}", b"l")
    vaultfs.makedirs(f"a/{LONG[:-4]}/sub")
    vaultfs.symlink("top.txt", "a/link")
    return vaultfs


def _fresh(fs: VaultFileSystem) -> VaultFileSystem:
    """The same vault opened again: nothing cached."""
    return VaultFileSystem(fs=fs.storage, root=fs.location.root, passphrase="fs tests passphrase")


def test_ciphertext_paths(populated: VaultFileSystem) -> None:
    fs = populated
    root = fs.location.root
    (node,) = fs.ciphertext_paths("top.txt")
    assert node.startswith(f"{root}/d/") and node.endswith(".c9r")
    assert fs.storage.isfile(node)
    (long_node,) = fs.ciphertext_paths(f"a/{LONG}")
    assert long_node.endswith(".c9s") and fs.storage.isfile(f"{long_node}/contents.c9r")
    dir_node, content = fs.ciphertext_paths("a/b")
    assert fs.storage.isfile(f"{dir_node}/dir.c9r")
    assert fs.storage.isfile(f"{content}/dirid.c9r")
    (root_content,) = fs.ciphertext_paths("")
    assert root_content.startswith(f"{root}/d/")
    with pytest.raises(FileNotFoundError):
        fs.ciphertext_paths("nope")


def test_every_storage_object_maps_back(populated: VaultFileSystem) -> None:
    fs = _fresh(populated)
    root = fs.location.root
    expected = {"": "", **{p: p for p in populated.find("", withdirs=True)}}
    seen = set()
    for obj in fs.storage.find(f"{root}/d", withdirs=True):
        parts = obj[len(root) + 1:].split("/")
        if len(parts) < 3:
            continue  # d/ and d/XX belong to no single item
        clear = fs.cleartext_path(obj)
        assert clear in expected, (obj, clear)
        seen.add(clear)
    assert seen == set(expected)


def test_round_trip_through_both_views(populated: VaultFileSystem) -> None:
    for path in populated.find("", withdirs=True):
        for obj in populated.ciphertext_paths(path):
            assert populated.cleartext_path(obj) in (path, populated._parent(path))


def test_relative_and_protocol_forms(populated: VaultFileSystem) -> None:
    node = populated.ciphertext_paths("a/b/deep.txt")[0]
    root = populated.location.root
    assert populated.cleartext_path(node[len(root) + 1:]) == "a/b/deep.txt"
    url = populated.storage.unstrip_protocol(node)
    assert populated.cleartext_path(url) == "a/b/deep.txt"


def test_paths_outside_the_data_folder(populated: VaultFileSystem) -> None:
    root = populated.location.root
    for outside in (f"{root}/vault.cryptomator", f"{root}/masterkey.cryptomator",
                    f"{root}/d", "/elsewhere/d/AB/CDEF"):
        with pytest.raises(ValueError, match="not inside"):
            populated.cleartext_path(outside)


def test_orphan_content_folder(populated: VaultFileSystem) -> None:
    root = populated.location.root
    orphan = f"{root}/d/ZZ/" + "Z" * 30
    populated.storage.makedirs(orphan, exist_ok=True)
    populated.storage.pipe_file(f"{orphan}/dirid.c9r", b"x")
    with pytest.raises(FileNotFoundError, match="no directory"):
        populated.cleartext_path(orphan)


def test_reverse_lookup_walks_only_directories(populated, record_storage) -> None:
    fs = _fresh(populated)
    target = populated.ciphertext_paths(f"a/{LONG[:-4]}/sub")[-1]
    rec = record_storage(fs)
    assert fs.cleartext_path(target) == f"a/{LONG[:-4]}/sub"
    # Directories: root, a, a/b, a/<long> (breadth first); no file content is read.
    assert rec.count("find", "ls") <= 4
    reads = [c.path for c in rec.of("cat_file", "open")]
    assert all(p.endswith(("dir.c9r", "name.c9s")) for p in reads), reads
    for call in rec.of("cat"):
        assert all(p.endswith(("dir.c9r", "name.c9s")) for p in call.path.split(",")), call


def test_reverse_lookup_of_a_known_directory_costs_nothing(populated, record_storage) -> None:
    fs = populated
    fs.ls("a/b")  # the id of a/b is cached now
    node = fs.ciphertext_paths("a/b/deep.txt")[0]
    rec = record_storage(fs)
    assert fs.cleartext_path(node) == "a/b/deep.txt"
    assert rec.calls == []


def test_reverse_lookup_after_moving_a_directory(populated: VaultFileSystem) -> None:
    node = populated.ciphertext_paths("a/b/deep.txt")[0]
    populated.mv("a/b", "moved")
    assert populated.cleartext_path(node) == "moved/deep.txt"
    assert _fresh(populated).cleartext_path(node) == "moved/deep.txt"
