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
from vaultui.gui.core.clipboard import SecretClipboard
from vaultui.gui.core.qt import QApplication, QEvent, QKeyEvent, Qt, QWidget
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.autolock import AutoLock
from vaultui.gui.vaults.state import VaultState
from vaultui.secrets import MemoryKeyStore

NEW = "another long passphrase"


def test_change_passphrase_replaces_saved_one(qtbot: Any, win: MainWindow,
                                              store: MemoryKeyStore, vault_path: str) -> None:
    key = VaultLocation.from_url(vault_path).vault_id()
    store.set(key, PASSPHRASE)
    win.add_vault(vault_path)
    dialog = win.controller.vault_options()
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
    dialog = win.controller.vault_options()
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


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key_press(widget: QWidget) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                             Qt.KeyboardModifier.NoModifier))


def test_autolock_locks_after_idle_and_activity_resets(qtbot: Any, win: MainWindow,
                                                        vault_path: str) -> None:
    vault = win.add_vault(vault_path)
    unlock(qtbot, vault)
    assert vault.fs is not None
    clock = FakeClock()
    lock = AutoLock(win.controller.lock_all, 1, clock=clock)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(lock)
    try:
        for _ in range(4):  # a key every 50 s keeps it open
            clock.now += 50
            key_press(win)
            lock.poll()
            assert vault.state is VaultState.UNLOCKED
        clock.now += 59.9
        lock.poll()
        assert vault.state is VaultState.UNLOCKED
        clock.now += 0.1
        lock.poll()
        qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=5000)
        assert vault.fs is None
        assert vault not in win.panes
    finally:
        app.removeEventFilter(lock)
        lock.set_minutes(0)


def test_autolock_locks_once_then_waits_for_input(qtbot: Any) -> None:
    clock = FakeClock()
    fired: list[float] = []
    lock = AutoLock(lambda: fired.append(clock.now), 1, clock=clock)
    widget = QWidget()
    widget.installEventFilter(lock)
    assert 59_000 < lock.timer.remainingTime() <= 63_001  # a coarse timer: up to 5% late
    clock.now += 60
    lock.poll()
    lock.poll()
    assert fired == [1060.0]  # an idle app is locked once
    assert not lock.timer.isActive()
    clock.now += 600
    key_press(widget)  # the next input starts a full idle period
    assert lock.timer.isActive()
    clock.now += 59
    lock.poll()
    assert fired == [1060.0]
    clock.now += 1
    lock.poll()
    assert fired == [1060.0, 1720.0]
    lock.set_minutes(0)
    key_press(widget)
    assert not lock.timer.isActive()


def test_autolock_off_by_default_and_persisted(qtbot: Any, win: MainWindow) -> None:
    assert win.controller.autolock.minutes == 0
    assert not win.controller.autolock.timer.isActive()
    win.controller.set_autolock(15)
    assert win.settings.value("autolock/minutes") in (15, "15")
    assert win.controller.autolock.timer.isActive()


def test_autolock_fires_on_its_own_timer(qtbot: Any) -> None:
    fired: list[int] = []
    lock = AutoLock(lambda: fired.append(1), 0.005)  # 300 ms of the real clock
    qtbot.waitUntil(lambda: bool(fired), timeout=5000)
    assert fired == [1]
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
    wizard = win.controller.generate_key()
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
    wizard = win.controller.generate_key()
    asked: list[str] = []

    def confirm_replace(name: str) -> bool:
        asked.append(name)
        return replace
    wizard.confirm_replace = confirm_replace
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
