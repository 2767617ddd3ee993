"""Private temp folders: private, owned while their process lives, found again once it is gone."""

from __future__ import annotations

import os
from pathlib import Path

from vaultui.tasks.privatedir import OWNER_FILE, PREFIX, PrivateFolder, dead_folders


def test_a_new_folder_is_private_and_not_taken_for_dead(tmp_path: Path) -> None:
    folder = PrivateFolder.create(str(tmp_path))
    assert Path(folder.path).name.startswith(PREFIX)
    assert os.stat(folder.path).st_mode & 0o777 == 0o700
    sub = folder.subfolder("copy-")
    assert os.stat(sub).st_mode & 0o777 == 0o700
    # Its owner (this process) holds it: nobody may take it over, not even this process.
    assert list(dead_folders(str(tmp_path))) == []
    folder.remove()
    assert not Path(folder.path).exists()


def test_a_released_folder_is_found_and_can_be_removed(tmp_path: Path) -> None:
    folder = PrivateFolder.create(str(tmp_path))
    Path(folder.subfolder(), "left.txt").write_text("x")
    folder.release()
    found = list(dead_folders(str(tmp_path)))
    assert [f.path for f in found] == [folder.path]
    # Taken over: a second look (another run starting now) does not get it too.
    assert list(dead_folders(str(tmp_path))) == []
    found[0].remove()
    assert list(tmp_path.iterdir()) == []


def test_folders_without_an_owner_are_never_judged(tmp_path: Path) -> None:
    legacy = tmp_path / f"{PREFIX}legacy"  # an older version's folder: no owner file
    legacy.mkdir()
    being_made = tmp_path / f"{PREFIX}new"  # owner file made, not yet locked and written
    being_made.mkdir()
    (being_made / OWNER_FILE).write_bytes(b"")
    other = tmp_path / "somebody-else"
    other.mkdir()
    (other / OWNER_FILE).write_bytes(b"1")
    assert list(dead_folders(str(tmp_path))) == []
    assert legacy.exists() and being_made.exists() and other.exists()


def test_a_symlink_named_like_a_folder_is_ignored(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / OWNER_FILE).write_bytes(b"1")
    (tmp_path / f"{PREFIX}link").symlink_to(target)
    assert list(dead_folders(str(tmp_path))) == []
