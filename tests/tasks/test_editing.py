"""Opened copies: edits found, saved back into the vault, conflicts kept, crash leftovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import fsspec
import pytest

from tests.services import Location
from vaultui.crypto.stream import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.editing import MANIFEST, OpenedCopies, recover
from vaultui.tasks.privatedir import PrivateFolder

PASS = "editing test passphrase"


def make_vault(fs: Any, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASS, scrypt_cost=1024)
    vfs = VaultFileSystem(fs=fs, root=root, passphrase=PASS)
    vfs.pipe_file("notes/todo.txt", b"milk\n")
    vfs.pipe_file("other.txt", b"unchanged\n")
    return vfs


@pytest.fixture
def vfs(local_or_s3: Location) -> VaultFileSystem:
    return make_vault(local_or_s3.fs, local_or_s3.root)


@pytest.fixture
def temp(tmp_path: Path) -> str:
    path = tmp_path / "tmp"
    path.mkdir()
    return str(path)


@pytest.fixture
def copies(vfs: VaultFileSystem, temp: str) -> Any:
    registry = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    yield registry
    registry.close()


def save_by_rename(path: str, data: bytes) -> None:
    """What most editors do: write a new file beside, then rename it over the old one."""
    tmp = path + ".swp"
    Path(tmp).write_bytes(data)
    os.replace(tmp, path)


def test_open_decrypts_a_private_recorded_copy(copies: OpenedCopies) -> None:
    copy = copies.open("notes/todo.txt")
    assert Path(copy.local_path).read_bytes() == b"milk\n"
    assert Path(copy.local_path).name == "todo.txt"
    assert os.stat(os.path.dirname(copy.local_path)).st_mode & 0o777 == 0o700
    assert (Path(copies.folder.path) / MANIFEST).exists()
    assert copies.find(copy.local_path) is copy
    assert copies.find(os.path.dirname(copy.local_path)) is copy
    assert copies.edited() == []


def test_an_unchanged_save_is_not_an_edit(copies: OpenedCopies) -> None:
    copy = copies.open("notes/todo.txt")
    save_by_rename(copy.local_path, b"milk\n")  # new inode and mtime, same bytes
    assert not copies.is_edited(copy)


def test_an_edit_saved_by_rename_goes_back_into_the_vault(
        copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    copy = copies.open("notes/todo.txt")
    save_by_rename(copy.local_path, b"milk\neggs\n")
    assert copies.edited() == [copy]
    result = copies.write_back(copy).run()
    assert (result.uploaded, result.conflict, result.vault_path) == (
        True, False, "notes/todo.txt")
    assert vfs.cat_file("notes/todo.txt") == b"milk\neggs\n"
    assert vfs.ls("notes", detail=False) == ["notes/todo.txt"]
    assert copies.edited() == []
    # A second save goes the same way: the copy is in step with the version it wrote.
    with open(copy.local_path, "ab") as f:  # in place, as some editors do
        f.write(b"bread\n")
    assert copies.is_edited(copy)
    copies.write_back(copy).run()
    assert vfs.cat_file("notes/todo.txt") == b"milk\neggs\nbread\n"


def test_a_file_changed_in_the_vault_meanwhile_keeps_both(
        copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    copy = copies.open("notes/todo.txt")
    vfs.pipe_file("notes/todo.txt", b"milk\nfrom the phone\n")  # another device wrote
    save_by_rename(copy.local_path, b"milk\nfrom the laptop\n")
    result = copies.write_back(copy).run()
    assert result.conflict
    assert result.vault_path == "notes/todo (2).txt"
    assert vfs.cat_file("notes/todo.txt") == b"milk\nfrom the phone\n"
    assert vfs.cat_file("notes/todo (2).txt") == b"milk\nfrom the laptop\n"
    # Later saves follow the edit to its new name; the other device's version stays.
    save_by_rename(copy.local_path, b"milk\nfrom the laptop\nagain\n")
    again = copies.write_back(copy).run()
    assert (again.conflict, again.vault_path) == (False, "notes/todo (2).txt")
    assert vfs.cat_file("notes/todo (2).txt") == b"milk\nfrom the laptop\nagain\n"
    assert vfs.cat_file("notes/todo.txt") == b"milk\nfrom the phone\n"


def test_a_same_size_rewrite_in_the_vault_is_still_a_conflict(
        copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    """Same size, possibly the same second: the header's fresh nonce tells the versions apart."""
    copy = copies.open("other.txt")
    vfs.pipe_file("other.txt", b"Unchanged\n")
    save_by_rename(copy.local_path, b"unchanged!")
    assert copies.write_back(copy).run().conflict
    assert vfs.cat_file("other.txt") == b"Unchanged\n"


def test_a_file_deleted_in_the_vault_meanwhile_is_written_again(
        copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    copy = copies.open("notes/todo.txt")
    vfs.rm("notes/todo.txt")
    save_by_rename(copy.local_path, b"still wanted\n")
    result = copies.write_back(copy).run()
    assert not result.conflict
    assert vfs.cat_file("notes/todo.txt") == b"still wanted\n"


def test_a_cancelled_write_back_leaves_the_vault_as_it_was(
        copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    copy = copies.open("notes/todo.txt")
    save_by_rename(copy.local_path, os.urandom(3 * 1024 * 1024))
    cancel = threading.Event()
    job = copies.write_back(copy, cancel=cancel,
                            progress=lambda p: cancel.set() if p.bytes_done else None)
    with pytest.raises(CancelledError):
        job.run()
    assert vfs.cat_file("notes/todo.txt") == b"milk\n"
    assert copies.is_edited(copy)  # still to be saved


def test_closing_removes_every_copy(copies: OpenedCopies, temp: str) -> None:
    copies.open("notes/todo.txt")
    copies.close()
    assert os.listdir(temp) == []


def test_closing_can_keep_edits_for_later(vfs: VaultFileSystem, temp: str) -> None:
    copies = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    edited = copies.open("notes/todo.txt")
    untouched = copies.open("other.txt")
    save_by_rename(edited.local_path, b"milk\nlater\n")
    assert copies.close(keep_edited=True) == [edited]
    assert Path(edited.local_path).exists()
    assert not Path(untouched.local_path).exists()
    # The next unlock (or the next run) finds the edit and saves it.
    orphans = recover(temp)
    assert [(o.vault_key, o.copy.vault_path) for o in orphans] == [
        ("the vault", "notes/todo.txt")]
    again = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    adopted = again.adopt(orphans[0])
    assert again.is_edited(adopted)
    assert again.write_back(adopted).run().vault_path == "notes/todo.txt"
    assert vfs.cat_file("notes/todo.txt") == b"milk\nlater\n"
    assert os.listdir(temp) == [os.path.basename(again.folder.path)]
    again.close()
    assert os.listdir(temp) == []


def test_a_discarded_orphan_goes(vfs: VaultFileSystem, temp: str) -> None:
    copies = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    copy = copies.open("notes/todo.txt")
    save_by_rename(copy.local_path, b"unwanted\n")
    copies.close(keep_edited=True)
    [orphan] = recover(temp)
    orphan.discard()
    assert os.listdir(temp) == []
    assert vfs.cat_file("notes/todo.txt") == b"milk\n"


def test_a_tampered_manifest_deletes_nothing_it_names(vfs: VaultFileSystem, temp: str,
                                                       tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    copies = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    copy = copies.open("notes/todo.txt")
    save_by_rename(copy.local_path, b"edited\n")
    copies.close(keep_edited=True)
    manifest = Path(copies.folder.path) / MANIFEST
    manifest.write_text(manifest.read_text().replace(
        copy.local_path, str(precious / "keep.txt")))
    assert recover(temp) == []
    assert (precious / "keep.txt").read_text() == "mine"


_CHILD = textwrap.dedent("""
    import os, sys, time
    import fsspec
    from vaultui.fs.filesystem import VaultFileSystem
    from vaultui.tasks.editing import OpenedCopies
    from vaultui.tasks.privatedir import PrivateFolder

    vault, temp = sys.argv[1], sys.argv[2]
    fs = VaultFileSystem(fs=fsspec.filesystem("file"), root=vault, passphrase={passphrase!r})
    copies = OpenedCopies(fs, PrivateFolder.create(temp), "the vault")
    edited = copies.open("notes/todo.txt")
    copies.open("other.txt")
    with open(edited.local_path, "ab") as f:
        f.write(b"unsaved edit\\n")
    print(copies.folder.path, flush=True)
    time.sleep(600)
""")


def test_after_kill_9_the_next_run_removes_copies_but_keeps_edits(tmp_path: Path,
                                                                   temp: str) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    vfs = make_vault(fsspec.filesystem("file"), str(root))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(passphrase=PASS), str(root), temp],
        stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        folder = child.stdout.readline().strip()
        assert folder and os.path.isdir(folder)
        # Another run starting now leaves a live instance's copies alone.
        assert recover(temp) == []
        assert len(list(Path(folder).glob("copy-*/*.txt"))) == 2
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    orphans = recover(temp)
    # The untouched copy is gone; the edited one is kept for the user to decide.
    assert [o.copy.vault_path for o in orphans] == ["notes/todo.txt"]
    assert [p.name for p in Path(folder).glob("copy-*/*.txt")] == ["todo.txt"]
    assert Path(orphans[0].copy.local_path).read_bytes() == b"milk\nunsaved edit\n"
    copies = OpenedCopies(vfs, PrivateFolder.create(temp), "the vault")
    copies.write_back(copies.adopt(orphans[0])).run()
    assert vfs.cat_file("notes/todo.txt") == b"milk\nunsaved edit\n"
    copies.close()
    assert os.listdir(temp) == []


def test_a_damaged_file_is_not_opened(copies: OpenedCopies, vfs: VaultFileSystem) -> None:
    info = vfs.info("other.txt")
    storage = vfs.storage
    storage.pipe_file(info["ciphertext_path"],
                      bytes(storage.cat_file(info["ciphertext_path"]))[:-1])
    with pytest.raises(Exception, match=r"could not be copied|authentic|damaged|size"):
        copies.open("other.txt")
    assert copies.copies() == []
    assert [p.name for p in Path(copies.folder.path).iterdir()
            if p.name.startswith("copy-")] == []
