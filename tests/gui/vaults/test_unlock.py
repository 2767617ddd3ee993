"""Unlock dialog: keyring first (real Secret Service, fail backend, locked), wrong passphrase,
reset with the recovery key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.backends.fail
import pytest
from guihelpers import FAST_SCRYPT, PASSPHRASE

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.unlock import UnlockDialog
from vaultui.gui.vaults.vault import Vault
from vaultui.gui.wizards.recoverykey import recovery_problem
from vaultui.secrets import KeyringStore, KeyStoreUnavailableError, MemoryKeyStore
from vaultui.secrets.keychain import Keychain


@pytest.fixture
def vault_with_key(tmp_path: Path) -> tuple[str, str]:
    folder = tmp_path / "vault"
    folder.mkdir()
    from vaultui.crypto.recovery import encode_recovery_key

    key = VaultLocation.from_url(str(folder)).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT)
    return str(folder), encode_recovery_key(key)


def make_window(qtbot: Any, settings: Settings, keychain: Keychain) -> MainWindow:
    win = MainWindow(settings, keychain=keychain)
    qtbot.addWidget(win)
    return win


@pytest.fixture
def memory_store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def mem_window(qtbot: Any, settings: Settings, memory_store: MemoryKeyStore
               ) -> Iterator[MainWindow]:
    win = make_window(qtbot, settings, Keychain(lambda: memory_store))
    yield win
    win.shutdown()


def added(qtbot: Any, window: MainWindow, url: str) -> Vault:
    vault = window.add_vault(url)
    qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=5000)
    return vault


def start_unlock(qtbot: Any, window: MainWindow) -> UnlockDialog:
    dialog = window.controller.unlock_current()
    assert isinstance(dialog, UnlockDialog)
    qtbot.waitUntil(lambda: not dialog.looking_up, timeout=10_000)
    return dialog


def test_no_saved_passphrase_asks(qtbot: Any, mem_window: MainWindow,
                                  vault_with_key: tuple[str, str]) -> None:
    added(qtbot, mem_window, vault_with_key[0])
    dialog = start_unlock(qtbot, mem_window)
    assert dialog.isVisible()
    assert dialog.remember.isEnabled()


def test_wrong_then_right_passphrase_and_remember(
        qtbot: Any, mem_window: MainWindow, memory_store: MemoryKeyStore,
        vault_with_key: tuple[str, str]) -> None:
    vault = added(qtbot, mem_window, vault_with_key[0])
    dialog = start_unlock(qtbot, mem_window)
    dialog.remember.setChecked(True)
    dialog.passphrase.setText("not it at all")
    with qtbot.waitSignal(vault.unlockFailed, timeout=10_000):
        dialog.unlock_button.click()
    assert dialog.isVisible()
    assert "wrong passphrase" in dialog.message.text().lower()
    assert memory_store.get(VaultLocation.from_url(vault.url).vault_id()) is None
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.remembered, timeout=10_000) as saved:
        dialog.unlock_button.click()
    assert saved.args == [""]
    assert vault.state is VaultState.UNLOCKED
    assert memory_store.get(VaultLocation.from_url(vault.url).vault_id()) == PASSPHRASE


def test_saved_passphrase_unlocks_without_asking(
        qtbot: Any, mem_window: MainWindow, memory_store: MemoryKeyStore,
        vault_with_key: tuple[str, str]) -> None:
    memory_store.set(VaultLocation.from_url(vault_with_key[0]).vault_id(), PASSPHRASE)
    vault = added(qtbot, mem_window, vault_with_key[0])
    dialog = mem_window.controller.unlock_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: vault.state is VaultState.UNLOCKED, timeout=10_000)
    assert not dialog.isVisible()


def test_stale_saved_passphrase_asks_and_offers_to_replace(
        qtbot: Any, mem_window: MainWindow, memory_store: MemoryKeyStore,
        vault_with_key: tuple[str, str]) -> None:
    memory_store.set(VaultLocation.from_url(vault_with_key[0]).vault_id(), "old one!")
    added(qtbot, mem_window, vault_with_key[0])
    dialog = start_unlock(qtbot, mem_window)
    qtbot.waitUntil(dialog.isVisible, timeout=10_000)
    assert "no longer unlocks" in dialog.note.text()
    assert dialog.remember.isChecked()


@pytest.mark.parametrize("factory", [
    pytest.param(lambda: KeyringStore(keyring.backends.fail.Keyring()), id="fail-backend"),
    pytest.param(lambda: (_ for _ in ()).throw(KeyStoreUnavailableError(
        "the OS keyring is locked and could not be unlocked (prompt dismissed)")), id="locked"),
])
def test_unusable_keyring_asks_instead_of_failing(
        qtbot: Any, settings: Settings, vault_with_key: tuple[str, str], factory: Any) -> None:
    window = make_window(qtbot, settings, Keychain(factory))
    try:
        vault = added(qtbot, window, vault_with_key[0])
        dialog = start_unlock(qtbot, window)
        assert dialog.isVisible()
        assert "cannot be used" in dialog.note.text()
        assert not dialog.remember.isEnabled()
        dialog.passphrase.setText(PASSPHRASE)
        with qtbot.waitSignal(dialog.accepted, timeout=10_000):
            dialog.unlock_button.click()
        assert vault.state is VaultState.UNLOCKED
    finally:
        window.shutdown()


def test_real_secret_service_remember_then_unlock_silently(
        qtbot: Any, settings: Settings, secret_service: Any,
        vault_with_key: tuple[str, str]) -> None:
    keychain = Keychain(lambda: KeyringStore(secret_service))
    key = VaultLocation.from_url(vault_with_key[0]).vault_id()
    window = make_window(qtbot, settings, keychain)
    try:
        vault = added(qtbot, window, vault_with_key[0])
        dialog = start_unlock(qtbot, window)
        dialog.remember.setChecked(True)
        dialog.passphrase.setText(PASSPHRASE)
        with qtbot.waitSignal(dialog.remembered, timeout=10_000) as saved:
            dialog.unlock_button.click()
        assert saved.args == [""]
        assert secret_service.get_password("vaultui", key) == PASSPHRASE
        window.controller.lock_current()
        assert vault.state is VaultState.LOCKED
        again = window.controller.unlock_current()
        assert again is not None
        qtbot.waitUntil(lambda: vault.state is VaultState.UNLOCKED, timeout=10_000)
        assert not again.isVisible()
    finally:
        window.shutdown()
        keychain.delete(key)


def test_forgot_passphrase_reset_with_recovery_key(
        qtbot: Any, mem_window: MainWindow, vault_with_key: tuple[str, str]) -> None:
    url, words = vault_with_key
    vault = added(qtbot, mem_window, url)
    dialog = start_unlock(qtbot, mem_window)
    reset = dialog.forgot()
    wordlist = words.split()
    # A mistyped word: its position is named, the word is not.
    reset.words.setPlainText(" ".join([*wordlist[:5], "xyzzy", *wordlist[6:]]))
    assert reset.word_status.text() == "Word 6 is not in the recovery word list."
    # Two words swapped: every word is valid, the check fails.
    swapped = [*wordlist]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    reset.words.setPlainText(" ".join(swapped))
    reset.pair.first.setText("a brand new passphrase")
    reset.pair.second.setText("a brand new passphrase")
    reset.reset_button.click()
    assert "check failed" in reset.message.text()
    reset.words.setPlainText(words)
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        reset.reset_button.click()
    assert vault.state is VaultState.UNLOCKED
    VaultLocation.from_url(url).unlock("a brand new passphrase")


def test_recovery_key_of_another_vault_is_refused(
        qtbot: Any, mem_window: MainWindow, vault_with_key: tuple[str, str],
        tmp_path: Path) -> None:
    from vaultui.crypto.recovery import encode_recovery_key

    other = tmp_path / "other"
    other.mkdir()
    other_words = encode_recovery_key(
        VaultLocation.from_url(str(other)).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT))
    added(qtbot, mem_window, vault_with_key[0])
    dialog = start_unlock(qtbot, mem_window)
    reset = dialog.forgot()
    reset.words.setPlainText(other_words)
    reset.pair.first.setText("a brand new passphrase")
    reset.pair.second.setText("a brand new passphrase")
    reset.reset_button.click()
    qtbot.waitUntil(lambda: bool(reset.message.text()), timeout=10_000)
    assert reset.message.text() == "This recovery key belongs to another vault."
    assert reset.isVisible()


def test_completer_suggests_and_inserts_words(qtbot: Any) -> None:
    from vaultui.gui.wizards.recoverykey import RecoveryWordsEdit

    edit = RecoveryWordsEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.keyClicks(edit, "abo")
    assert edit.suggestions.stringList()
    assert all(w.startswith("abo") for w in edit.suggestions.stringList())
    edit.insert_completion(edit.suggestions.stringList()[0])
    assert edit.toPlainText() == edit.suggestions.stringList()[0] + " "


@pytest.mark.parametrize(("text", "complete", "expected"), [
    ("", True, "A recovery key has 44 words; this one has 0."),
    ("", False, ""),
    ("qqqq", False, "Word 1 is not in the recovery word list."),
    ("about qqqq", False, "Word 2 is not in the recovery word list."),
    ("about " * 45, True, "A recovery key has 44 words; this one has 45."),
    ("about " * 44, True, "The check failed: a word is mistyped or two words are swapped."),
])
def test_recovery_problem_table(text: str, complete: bool, expected: str) -> None:
    assert recovery_problem(text, complete=complete) == expected
