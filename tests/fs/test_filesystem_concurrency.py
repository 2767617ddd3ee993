"""Two writers on one vault: folders created at once, interrupted folder moves, and
folder graphs that are not trees. On local disk and on S3 (moto)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.services import Location
from vaultui.crypto.constants import DIR_FILE_NAME, ROOT_DIR_ID
from vaultui.fs.aliases import NAMES_JOURNAL
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.publish import create_folder_node
from vaultui.fs.storage import join
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.transfer import DecryptTree
from vaultui.tasks.verify import VerifyVault

PASSPHRASE = "concurrency passphrase"


@pytest.fixture
def opener(location: Location) -> Callable[[], VaultFileSystem]:
    """Opens the one vault at `location` again: each call is another writer."""
    return vault_opener(location)


def vault_opener(location: Location) -> Callable[[], VaultFileSystem]:
    """A new vault at `location`, and a way to open it again as another writer."""
    fs, root = location
    root = join(root, "vault")
    key = VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)

    def open_vault() -> VaultFileSystem:
        return VaultFileSystem(fs=fs, root=root, masterkey=key)

    return open_vault


def fresh_listing(opener: Callable[[], VaultFileSystem], path: str) -> list[str]:
    """What a writer that starts now sees: nothing cached."""
    vfs = opener()
    vfs.storage.invalidate_cache()
    return sorted(p.rpartition("/")[2] for p in vfs.ls(path, detail=False))


def race_before(vfs: VaultFileSystem, monkeypatch: pytest.MonkeyPatch,
                other: Callable[[], Any]) -> None:
    """Make `vfs` look for a folder node, find none, and only then let `other` run:
    the two writers' checks both come before both writes, as in a real race."""
    kind = vfs.mapper.kind
    done = False

    def late_kind(node: Any) -> Any:
        nonlocal done
        found = kind(node)
        if not done and found is None:
            done = True
            other()
        return found

    monkeypatch.setattr(vfs.mapper, "kind", late_kind)


# -- item 1: two writers creating one new folder -------------------------------------


def test_second_writer_adopts_the_folder_the_first_made(
        opener: Callable[[], VaultFileSystem], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = opener(), opener()
    race_before(second, monkeypatch, lambda: first.pipe_file("new/part-0", b"zero"))
    second.pipe_file("new/part-1", b"one")
    second.pipe_file("new/part-2", b"two")  # through the adopted id, now cached
    assert fresh_listing(opener, "new") == ["part-0", "part-1", "part-2"]
    assert opener().cat_file("new/part-0") == b"zero"


def test_second_writer_adopts_the_folder_on_every_storage(
        storage: Location, monkeypatch: pytest.MonkeyPatch) -> None:
    opener = vault_opener(storage)
    first, second = opener(), opener()
    name = "shortened folder name " * 8  # a .c9s node: name.c9s and dir.c9r
    race_before(second, monkeypatch, lambda: first.pipe_file(f"{name}/a", b"a"))
    second.pipe_file(f"{name}/b", b"b")
    assert fresh_listing(opener, name) == ["a", "b"]


def test_losing_writer_leaves_no_orphan_content_folder(
        opener: Callable[[], VaultFileSystem], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = opener(), opener()
    race_before(second, monkeypatch, lambda: first.makedirs("a"))
    second.makedirs("a/b", exist_ok=True)
    second.pipe_file("a/b/f", b"f")
    vfs = opener()
    assert fresh_listing(opener, "a") == ["b"]
    # Root, a and a/b: the loser's prepared content folder for "a" is gone.
    d = join(vfs.location.root, "d")
    vfs.storage.invalidate_cache()
    backups = [p for p in vfs.storage.find(d) if p.endswith("dirid.c9r")]
    assert len(backups) == 3


def test_mkdir_race_loser_gets_file_exists(
        opener: Callable[[], VaultFileSystem], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = opener(), opener()
    race_before(second, monkeypatch, lambda: first.mkdir("x"))
    with pytest.raises(FileExistsError):
        second.mkdir("x")
    second.pipe_file("x/in", b"1")
    assert fresh_listing(opener, "x") == ["in"]


def test_folder_move_never_replaces_a_node_made_meanwhile(
        opener: Callable[[], VaultFileSystem], monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = opener(), opener()
    second.pipe_file("src/f", b"src")
    race_before(second, monkeypatch, lambda: first.pipe_file("dst/g", b"dst"))
    with pytest.raises(FileExistsError):
        second.mv("src", "dst")
    assert fresh_listing(opener, "dst") == ["g"]
    assert fresh_listing(opener, "src") == ["f"]


def test_folder_removed_by_another_writer_is_not_found_not_damaged(
        opener: Callable[[], VaultFileSystem]) -> None:
    first, second = opener(), opener()
    first.pipe_file("x/old", b"old")
    assert first.ls("x", detail=False) == ["x/old"]  # its id is cached now
    second.rm("x", recursive=True)
    first.storage.invalidate_cache()
    with pytest.raises(FileNotFoundError):
        first.ls("x")
    second.pipe_file("x/new", b"new")  # made again: another id
    first.storage.invalidate_cache()
    assert first.ls("x", detail=False) == ["x/new"]


# -- item 2: an interrupted folder move -------------------------------------------------


def interrupted_move(vfs: VaultFileSystem, monkeypatch: pytest.MonkeyPatch,
                     src: str, dst: str) -> None:
    """mv whose removal of the old node fails, as when the storage goes away."""
    old_node = vfs.info(src)["node_path"]
    rm = vfs.storage.rm

    def failing_rm(path: Any, *args: Any, **kwargs: Any) -> Any:
        if path == old_node:
            raise ConnectionResetError("storage went away")
        return rm(path, *args, **kwargs)

    monkeypatch.setattr(vfs.storage, "rm", failing_rm)
    with pytest.raises(OSError):
        vfs.mv(src, dst)
    monkeypatch.setattr(vfs.storage, "rm", rm)


@pytest.fixture
def moved(opener: Callable[[], VaultFileSystem],
          monkeypatch: pytest.MonkeyPatch) -> VaultFileSystem:
    """A vault where `old/docs` was being moved to `new/docs` when the storage failed."""
    vfs = opener()
    vfs.pipe_file("old/docs/a.txt", b"a")
    vfs.pipe_file("old/docs/sub/b.txt", b"b")
    vfs.makedirs("new")
    interrupted_move(vfs, monkeypatch, "old/docs", "new/docs")
    return opener()


def test_interrupted_move_shows_both_names(moved: VaultFileSystem) -> None:
    assert moved.cat_file("old/docs/sub/b.txt") == b"b"
    assert moved.cat_file("new/docs/sub/b.txt") == b"b"


def test_rm_of_one_name_keeps_what_the_other_shows(
        moved: VaultFileSystem, opener: Callable[[], VaultFileSystem]) -> None:
    moved.rm("old/docs", recursive=True)
    assert fresh_listing(opener, "old") == []
    assert opener().cat_file("new/docs/sub/b.txt") == b"b"
    assert opener().cat_file("new/docs/a.txt") == b"a"
    dir_id = moved.mapper.dir_id("new/docs")
    assert not moved.storage.exists(join(moved.mapper.content_dir(dir_id), NAMES_JOURNAL))
    # With one name left, removing it removes the contents as usual.
    moved.rm("new/docs", recursive=True)
    assert not moved.storage.exists(moved.mapper.content_dir(dir_id))


def test_rm_of_the_parent_of_one_name_keeps_the_other(
        moved: VaultFileSystem, opener: Callable[[], VaultFileSystem]) -> None:
    moved.rm("new", recursive=True)
    assert opener().cat_file("old/docs/a.txt") == b"a"
    assert opener().cat_file("old/docs/sub/b.txt") == b"b"
    assert fresh_listing(opener, "") == ["old"]


def test_rm_of_both_names_at_once_removes_the_contents(moved: VaultFileSystem) -> None:
    dir_id = moved.mapper.dir_id("new/docs")
    moved.rm(["old", "new"], recursive=True)
    moved.storage.invalidate_cache()
    assert not moved.storage.exists(moved.mapper.content_dir(dir_id))


def test_verify_reports_the_second_name(moved: VaultFileSystem) -> None:
    result = VerifyVault(moved).run()
    [problem] = result.problems
    other = ({"old/docs", "new/docs"} - {problem.path}).pop()
    assert f"names the same folder as {other!r}" in problem.reason
    assert result.files == 2  # each file checked once


def test_completed_move_leaves_no_journal(opener: Callable[[], VaultFileSystem]) -> None:
    vfs = opener()
    vfs.pipe_file("a/f", b"f")
    dir_id = vfs.mapper.dir_id("a")
    vfs.mv("a", "b")
    vfs.storage.invalidate_cache()
    assert not vfs.storage.exists(join(vfs.mapper.content_dir(dir_id), NAMES_JOURNAL))
    assert vfs.cat_file("b/f") == b"f"


# -- item 6: a folder graph that is not a tree ------------------------------------------

LEVELS = 12


@pytest.fixture
def diamond(opener: Callable[[], VaultFileSystem]) -> VaultFileSystem:
    """LEVELS levels of two names for one folder: 2^LEVELS paths to one file by names."""
    vfs = opener()
    path, parent_id = "", ROOT_DIR_ID
    for level in range(LEVELS):
        name = f"l{level}"
        child = join(path, name)
        vfs.mkdir(child)
        dir_id = vfs.mapper.dir_id(child)
        twin = vfs.mapper.node_for(parent_id, f"{name}-twin", join(path, f"{name}-twin"))
        assert create_folder_node(vfs.storage, twin, DIR_FILE_NAME, dir_id.encode())
        path, parent_id = child, dir_id
    vfs.pipe_file(join(path, "leaf.txt"), b"leaf")
    return opener()


def test_find_walks_each_folder_once(diamond: VaultFileSystem) -> None:
    found = diamond.find("", withdirs=True, detail=True)
    assert len(found) == 2 * LEVELS + 1
    aliases = [p for p, info in found.items() if info.get("alias_of")]
    assert len(aliases) == LEVELS


def test_get_copies_each_folder_once(diamond: VaultFileSystem, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = DecryptTree(diamond, [""], str(out)).run()
    assert result.files == 1
    assert sum("the same folder as" in f.reason for f in result.failures) == LEVELS
    written = [f for _, _, files in os.walk(out) for f in files]
    assert written == ["leaf.txt"]


def test_verify_reports_each_alias_once(diamond: VaultFileSystem) -> None:
    result = VerifyVault(diamond).run()
    assert result.files == 1
    assert len(result.problems) == LEVELS
    assert all("names the same folder as" in p.reason for p in result.problems)


def test_walk_reports_a_folder_that_names_its_ancestor(
        opener: Callable[[], VaultFileSystem]) -> None:
    vfs = opener()
    vfs.makedirs("a/b")
    a_id = vfs.mapper.dir_id("a")
    b_id = vfs.mapper.dir_id("a/b")
    loop = vfs.mapper.node_for(b_id, "back", "a/b/back")
    assert create_folder_node(vfs.storage, loop, DIR_FILE_NAME, a_id.encode())
    found = opener().find("", withdirs=True, detail=True)
    assert found["a/b/back"]["alias_of"] == "a"
    assert sorted(found) == ["a", "a/b", "a/b/back"]
