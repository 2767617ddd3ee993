from __future__ import annotations

from pathlib import Path

from guihelpers import PASSPHRASE, unlock

from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.unlock import UnlockDialog


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


def test_version_flag(capsys) -> None:
    import pytest

    import vaultui
    from vaultui.gui.app import main
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"vaultui {vaultui.__version__}"


def test_the_version_is_written_once() -> None:
    """pyproject.toml takes the version from vaultui/__init__.py; installed, they agree."""
    from importlib.metadata import version

    import vaultui
    pyproject = (Path(vaultui.__file__).parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "vaultui.__version__" }' in pyproject
    assert version("vaultui") == vaultui.__version__
