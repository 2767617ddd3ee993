"""Vault ▸ Clean up leftovers: lists what interrupted writes left, asks, removes it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from guihelpers import PASSPHRASE

from vaultui.fs.storage import temp_name
from vaultui.fs.vault import VaultLocation
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.qt import QMenu, QMessageBox


def _leave_old_temp(vault_path: str) -> Path:
    location = VaultLocation.from_url(vault_path)
    if not location.is_vault():
        location.create(PASSPHRASE, scrypt_cost=1024)
    path = Path(temp_name(location.path("masterkey.cryptomator")))
    path.write_bytes(b"half written")
    old = time.time() - 3 * 86400
    os.utime(path, (old, old))
    return path


def test_clean_up_lists_asks_and_removes(qtbot: Any, window: MainWindow,
                                         vault_path: str) -> None:
    left = _leave_old_temp(vault_path)
    window.add_vault(vault_path)
    vault_menu = window.menuBar().actions()[0].menu()
    assert isinstance(vault_menu, QMenu) and window.clean_action in vault_menu.actions()

    flow = window.clean_up_current()
    assert flow is not None
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=10_000)
    box = flow.dialog
    assert box is not None and left.name in box.informativeText()
    assert left.exists()  # nothing goes before the user says so
    with qtbot.waitSignal(flow.finished, timeout=10_000) as outcome:
        flow.remove_button.click()
        qtbot.waitUntil(lambda: flow.dialog is not box, timeout=10_000)
        outcome_box = flow.dialog
        assert outcome_box is not None
        outcome_box.button(QMessageBox.StandardButton.Ok).click()
    assert outcome.args == ["Removed 1 leftovers of interrupted writes."]
    assert not left.exists()


def test_clean_up_cancelled_removes_nothing(qtbot: Any, window: MainWindow,
                                            vault_path: str) -> None:
    left = _leave_old_temp(vault_path)
    window.add_vault(vault_path)
    flow = window.clean_up_current()
    assert flow is not None
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=10_000)
    box = flow.dialog
    assert box is not None
    with qtbot.waitSignal(flow.finished, timeout=10_000):
        box.button(QMessageBox.StandardButton.Cancel).click()
    assert left.exists()
