from __future__ import annotations

from pathlib import Path

from guihelpers import PASSPHRASE, unlock

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.settings import Settings
from vaultui.gui.dialogs import CreateVaultDialog, UnlockDialog
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState


def test_add_vault_checks_it_and_shows_locked_page(qtbot, window: MainWindow,
                                                   vault_path: str) -> None:
    vault = window.add_vault(vault_path)
    qtbot.waitUntil(lambda: not vault.runner.active, timeout=5000)
    assert vault.state is VaultState.LOCKED
    assert window.current_vault() is vault
    assert window.stack.currentWidget() is window.locked_page
    assert window.locked_page.unlock_button.isVisibleTo(window)
    assert vault_path in window.location_label.text()


def test_missing_vault_is_marked_missing(qtbot, window: MainWindow, tmp_path: Path) -> None:
    vault = window.add_vault(str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: vault.state is VaultState.MISSING, timeout=5000)
    assert not window.locked_page.unlock_button.isVisibleTo(window)


def test_wrong_passphrase_keeps_dialog_open(qtbot, window: MainWindow, vault_path: str) -> None:
    vault = window.add_vault(vault_path)
    qtbot.waitUntil(lambda: not vault.runner.active, timeout=5000)
    dialog = window.controller.unlock_current()
    assert isinstance(dialog, UnlockDialog)
    dialog.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(vault.unlockFailed, timeout=10_000):
        dialog.unlock_button.click()
    assert dialog.isVisible()
    assert "wrong passphrase" in dialog.message.text().lower()
    assert dialog.passphrase.isEnabled()
    assert vault.state is VaultState.LOCKED
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.unlock_button.click()
    assert vault.state is VaultState.UNLOCKED
    assert window.current_pane() is not None
    assert window.stack.currentWidget() is window.current_pane()


def test_lock_drops_the_pane(qtbot, window: MainWindow, vault_path: str) -> None:
    vault = window.add_vault(vault_path)
    unlock(qtbot, vault)
    assert vault in window.panes
    window.controller.lock_current()
    assert vault.state is VaultState.LOCKED
    assert vault not in window.panes
    assert vault.fs is None


def test_remove_from_list(qtbot, window: MainWindow, settings: Settings,
                          vault_path: str) -> None:
    window.add_vault(vault_path)
    window.controller.remove_current()
    assert window.vaults.rowCount() == 0
    assert settings.vaults() == []


def test_create_vault_dialog(qtbot, window: MainWindow, tmp_path: Path) -> None:
    # The menu opens the wizard now (wizards/test_create_wizard.py); the plain dialog remains.
    dialog = CreateVaultDialog(window.runner, window)
    folder = tmp_path / "new-vault"
    dialog.folder.setText(str(folder))
    dialog.passphrase.setText("short")
    dialog.confirm.setText("short")
    dialog.create_button.click()
    assert "at least 8" in dialog.message.text()
    dialog.passphrase.setText("long enough passphrase")
    dialog.confirm.setText("long enough passphrase!")
    dialog.create_button.click()
    assert "differ" in dialog.message.text()
    dialog.confirm.setText("long enough passphrase")
    with qtbot.waitSignal(dialog.created, timeout=30_000) as created:
        dialog.create_button.click()
    assert created.args[1] == "long enough passphrase"
    # The vault it announces opens with that passphrase (the wizard's test adds it to the
    # window: wizards/test_create_wizard.py).
    VaultLocation.from_url(created.args[0]).unlock("long enough passphrase")
    assert (folder / "vault.cryptomator").exists()


def test_version_flag(capsys) -> None:
    import pytest

    from vaultui.gui.app import main
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "vaultui" in capsys.readouterr().out
