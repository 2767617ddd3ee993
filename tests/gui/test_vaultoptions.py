"""Vault options, auto-lock, the key-generation wizard and the self-clearing clipboard."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from guihelpers import PASSPHRASE, unlock

from vaultui.crypto.keygen import key_from_text
from vaultui.fs.vault import VaultLocation
from vaultui.gui.autolock import AutoLock
from vaultui.gui.clipboard import SecretClipboard
from vaultui.gui.keychain import passphrase_key
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.qt import QApplication, QEvent, QKeyEvent, Qt
from vaultui.gui.vaultstate import VaultState
from vaultui.secrets import MemoryKeyStore

NEW = "another long passphrase"


def test_change_passphrase_replaces_saved_one(qtbot: Any, win: MainWindow,
                                              store: MemoryKeyStore, vault_path: str) -> None:
    key = passphrase_key(VaultLocation.from_url(vault_path))
    store.set(key, PASSPHRASE)
    win.add_vault(vault_path)
    dialog = win.vault_options()
    assert dialog is not None
    dialog.old.setText("wrong passphrase")
    dialog.pair.first.setText(NEW)
    dialog.pair.second.setText(NEW)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: dialog.pw_message.text() == "Wrong passphrase.", timeout=10_000)
    dialog.old.setText(PASSPHRASE)
    dialog.pair.first.setText(NEW)
    dialog.pair.second.setText(NEW)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: "was changed" in dialog.pw_message.text(), timeout=10_000)
    assert store.get(key) == NEW
    VaultLocation.from_url(vault_path).unlock(NEW)
    dialog.forget_button.click()
    qtbot.waitUntil(lambda: "removed" in dialog.pw_message.text(), timeout=10_000)
    assert store.get(key) is None


def test_show_recovery_key_needs_the_passphrase(qtbot: Any, win: MainWindow,
                                                vault_path: str) -> None:
    win.add_vault(vault_path)
    dialog = win.vault_options()
    assert dialog is not None
    dialog.rk_passphrase.setText("nope nope")
    dialog.show_button.click()
    qtbot.waitUntil(lambda: dialog.rk_message.text() == "Wrong passphrase.", timeout=10_000)
    assert not dialog.words.toPlainText()
    dialog.rk_passphrase.setText(PASSPHRASE)
    dialog.show_button.click()
    qtbot.waitUntil(lambda: bool(dialog.words.toPlainText()), timeout=10_000)
    words = dialog.words.toPlainText()
    assert len(words.split()) == 44
    VaultLocation.from_url(vault_path).reset_passphrase(words, NEW)


def test_autolock_locks_after_idle_and_activity_resets(qtbot: Any, win: MainWindow,
                                                        vault_path: str) -> None:
    vault = win.add_vault(vault_path)
    unlock(qtbot, vault)
    assert vault.fs is not None
    win.autolock.set_minutes(0.01)  # 600 ms
    for _ in range(4):  # activity keeps it open
        qtbot.wait(250)
        QApplication.sendEvent(win, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                              Qt.KeyboardModifier.NoModifier))
    assert vault.state is VaultState.UNLOCKED
    qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=5000)
    assert vault.fs is None
    assert vault not in win.panes


def test_autolock_off_by_default_and_persisted(qtbot: Any, win: MainWindow) -> None:
    assert win.autolock.minutes == 0
    assert not win.autolock.timer.isActive()
    win.set_autolock(15)
    assert win.settings.value("autolock/minutes") in (15, "15")
    assert win.autolock.timer.isActive()


def test_autolock_is_an_event_filter(qtbot: Any) -> None:
    fired: list[int] = []
    lock = AutoLock(lambda: fired.append(1), 0.005)
    qtbot.waitUntil(lambda: bool(fired), timeout=3000)
    lock.set_minutes(0)


def test_clipboard_clears_only_our_text(qtbot: Any) -> None:
    board = QApplication.clipboard()
    clip = SecretClipboard(clear_after_ms=100)
    clip.copy("secret key")
    assert board.text() == "secret key"
    qtbot.waitUntil(lambda: board.text() == "", timeout=3000)
    clip.copy("secret key")
    board.setText("something the user copied")
    qtbot.wait(300)
    assert board.text() == "something the user copied"


@pytest.mark.parametrize("derived", [False, True])
def test_keygen_wizard(qtbot: Any, win: MainWindow, store: MemoryKeyStore, tmp_path: Path,
                       derived: bool) -> None:
    wizard = win.generate_key()
    wizard.derive_cost = 1 << 10
    if derived:
        wizard.method_page.derived.setChecked(True)
        assert not wizard.method_page.isComplete()
        wizard.method_page.passphrase.setText("p")
        wizard.method_page.salt.setText("salt")
    wizard.next()
    qtbot.waitUntil(wizard.key_page.isComplete, timeout=10_000)
    text = wizard.key_page.text.text()
    assert key_from_text(text) == key_from_text(wizard.key_page.words.toPlainText())
    if derived:
        from vaultui.crypto.keygen import derive_key, key_to_text
        assert text == key_to_text(derive_key("p", "salt", 1 << 10))
    wizard.key_page.copy_button.click()
    assert QApplication.clipboard().text() == text
    assert wizard.clipboard.timer.interval() == 30_000
    wizard.clipboard.clear()
    name = wizard.key_page.keyring_name.text()
    assert name.startswith("generated-key-")
    wizard.key_page.keyring_button.click()
    qtbot.waitUntil(lambda: store.get(f"key:{name}") == text, timeout=5000)
    target = tmp_path / "k.key"
    target.write_text("old")
    os.chmod(target, 0o644)
    wizard.export(str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().strip() == text


@pytest.mark.parametrize("replace", [False, True])
def test_keygen_wizard_asks_before_replacing_a_stored_key(
        qtbot: Any, win: MainWindow, store: MemoryKeyStore, replace: bool) -> None:
    store.set("key:mine", "the earlier key")
    wizard = win.generate_key()
    asked: list[str] = []
    wizard.confirm_replace = lambda name: asked.append(name) or replace
    wizard.next()
    qtbot.waitUntil(wizard.key_page.isComplete, timeout=10_000)
    wizard.key_page.keyring_name.setText("mine")
    wizard.key_page.keyring_button.click()
    qtbot.waitUntil(lambda: bool(wizard.key_page.status.text()), timeout=5000)
    assert asked == ["mine"]
    expected = wizard.key_page.text.text() if replace else "the earlier key"
    assert store.get("key:mine") == expected
    if not replace:
        assert "already" in wizard.key_page.status.text()
    wizard.reject()
