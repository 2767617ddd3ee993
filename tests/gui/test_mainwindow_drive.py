"""The main window's "Reveal drive": the unlocked vault as a drive, and locking it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from guihelpers import unlock

from vaultui.gui import mainwindow
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.qt import Qt
from vaultui.gui.vaultstate import VaultState
from vaultui.mount.drive import DriveKind, preferred_kind


def mounted(path: str) -> bool:
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == path for line in mounts if line.startswith("vaultui "))


def prepare(window: MainWindow, tmp_path: Path) -> None:
    if preferred_kind() is not DriveKind.FUSE:
        pytest.skip("FUSE is not available here; the WebDAV drive is tested in tests/mount")
    window.drives_root = str(tmp_path / "drives")
    window.opened = []  # type: ignore[attr-defined]
    window.open_location = window.opened.append  # type: ignore[attr-defined]


@pytest.fixture
def drive_window(qtbot, window: MainWindow, vault_path: str, tmp_path: Path) -> MainWindow:
    prepare(window, tmp_path)
    unlock(qtbot, window.add_vault(vault_path))
    return window


def test_option_reveals_the_drive_on_unlock(qtbot, window: MainWindow, vault_path: str,
                                            tmp_path: Path) -> None:
    prepare(window, tmp_path)
    vault = window.add_vault(vault_path)
    dialog = window.vault_options()
    assert dialog is not None and not dialog.drive_on_unlock.isChecked()
    dialog.drive_on_unlock.setChecked(True)
    dialog.accept()
    assert window.drive_on_unlock(vault)
    unlock(qtbot, vault)
    location = window.drives[vault].location
    assert location is not None and mounted(location)
    assert window.opened == [location]  # type: ignore[attr-defined]
    window.lock_current()
    assert not mounted(location)


def test_reveal_drive_mounts_and_opens_the_folder(drive_window: MainWindow) -> None:
    location = drive_window.reveal_drive()
    assert location is not None and mounted(location)
    assert drive_window.opened == [location]  # type: ignore[attr-defined]
    pane = drive_window.current_pane()
    assert pane is not None
    assert sorted(os.listdir(location)) == sorted(pane.fs.ls("", detail=False))
    assert f"drive: {location}" in drive_window.location_label.text()
    row = drive_window.vaults.index(0)
    assert drive_window.vaults.data(row).endswith("(drive)")
    assert f"Drive: {location}" in drive_window.vaults.data(row, Qt.ItemDataRole.ToolTipRole)
    assert drive_window.reveal_drive() == location  # once mounted, only opened again
    drive_window.lock_current()
    assert not mounted(location)
    assert drive_window.current_vault().state is VaultState.LOCKED  # type: ignore[union-attr]
    assert not drive_window.vaults.data(row).endswith("(drive)")


def test_lock_asks_while_files_are_open(drive_window: MainWindow,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    location = drive_window.reveal_drive()
    assert location is not None
    vault = drive_window.current_vault()
    assert vault is not None
    fd = os.open(os.path.join(location, "opened.txt"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"being edited")
        asked: list[int] = []

        def decline(parent: object, name: str, count: int) -> bool:
            asked.append(count)
            return False

        monkeypatch.setattr(mainwindow, "ask_force_lock", decline)
        drive_window.lock_current()
        assert asked == [1]
        assert vault.state is VaultState.UNLOCKED and mounted(location)
        monkeypatch.setattr(mainwindow, "ask_force_lock", lambda parent, name, count: True)
        drive_window.lock_current()
        assert vault.state is VaultState.LOCKED and not mounted(location)
    finally:
        os.close(fd)  # the forced-out file is saved as it closes
