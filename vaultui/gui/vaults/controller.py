"""The vault workflows the main window offers: add, open, create, unlock, lock, options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultui.gui.core.qt import (
    QApplication,
    QDesktopServices,
    QFileDialog,
    QInputDialog,
    QObject,
    QUrl,
    QWidget,
    Signal,
)
from vaultui.gui.core.settings import Settings
from vaultui.gui.core.worker import TaskRunner
from vaultui.gui.vaults.autolock import SETTINGS_KEY as AUTOLOCK_KEY
from vaultui.gui.vaults.autolock import AutoLock
from vaultui.gui.vaults.cleanup import CleanupFlow
from vaultui.gui.vaults.drives import VaultDrives
from vaultui.gui.vaults.options import VaultOptionsDialog
from vaultui.gui.vaults.share import ShareDialog
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.unlock import UnlockDialog
from vaultui.gui.vaults.vault import Vault, VaultListModel
from vaultui.gui.wizards.create import CreateVaultWizard
from vaultui.gui.wizards.keygen import KeyGenWizard
from vaultui.gui.wizards.open import OpenVaultDialog
from vaultui.secrets.keychain import Keychain


class VaultController(QObject):
    """Runs the vault workflows on the vault the window has selected (`current()`).

    It owns the auto-lock, which locks every vault after the idle time set in the options.

    Signals:
        messageRaised(text: str): something the status bar should say for a while.
    """

    messageRaised = Signal(str)  # noqa: N815

    def __init__(self, vaults: VaultListModel, keychain: Keychain, settings: Settings,
                 runner: TaskRunner, drives: VaultDrives, current: Callable[[], Vault | None],
                 select: Callable[[Vault], None], lock: Callable[[Vault], None],
                 window: QWidget) -> None:
        super().__init__(window)
        self.vaults = vaults
        self.keychain = keychain
        self.settings = settings
        self.runner = runner
        self.drives = drives
        self.current = current
        self.select = select
        #: Locks one vault (the window's: it asks about unsaved edits of opened copies first).
        self.lock = lock
        self.window = window  # the parent of every dialog
        try:
            minutes = int(str(settings.value(AUTOLOCK_KEY, 0)))
        except ValueError:
            minutes = 0
        self.autolock = AutoLock(self.lock_all, minutes, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.autolock)
        for vault in vaults.vaults():
            self.load_storage_options(vault)

    # -- the list ----------------------------------------------------------------------

    def add_vault(self, url: str) -> Vault:
        vault = self.vaults.add(url)
        self.select(vault)
        return vault

    def add_vault_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Choose the vault's folder")
        if folder:
            self.add_vault(folder)

    def add_vault_url(self) -> None:
        url, ok = QInputDialog.getText(self.window, "Add vault by URL",
                                       "Location (e.g. s3://bucket/vault, sftp://host/path)")
        if ok and url.strip():
            self.add_vault(url.strip())

    def remove_current(self) -> None:
        vault = self.current()
        if vault is not None:
            self.vaults.remove(vault)

    def reveal_current(self) -> None:
        vault = self.current()
        if vault is not None and "://" not in vault.url:
            QDesktopServices.openUrl(QUrl.fromLocalFile(vault.url))

    def create_vault(self) -> CreateVaultWizard:
        wizard = CreateVaultWizard(self.runner, self.keychain, self.window)
        wizard.created.connect(self._created)
        wizard.open()
        return wizard

    def open_vault(self) -> OpenVaultDialog:
        dialog = OpenVaultDialog(self.runner, self.window)
        dialog.opened.connect(lambda url, options: self._opened(url, options))
        dialog.open()
        return dialog

    def _opened(self, url: str, options: dict[str, Any]) -> Vault:
        vault = self.vaults.add(url, storage_options=options)
        self.select(vault)
        if options:  # credentials go to the keyring only, never to the settings file
            keychain = self.keychain

            def saved(problem: object) -> None:
                if problem:
                    self.messageRaised.emit(f"The storage settings were not saved: {problem}")

            self.runner.run(lambda ctx: keychain.set_storage_options(url, options),
                            on_success=saved)
        return vault

    def _created(self, url: str, options: dict[str, Any], passphrase: str) -> None:
        vault = self._opened(url, options)

        def checked(_result: object) -> None:
            if vault.state is VaultState.LOCKED:
                vault.unlock(passphrase)

        # The vault's runner is serial: this runs after the check that add() started.
        vault.runner.run(lambda ctx: None, on_success=checked)

    def load_storage_options(self, vault: Vault) -> None:
        """Remote vaults get their credentials back from the keyring before their check."""
        if "://" not in vault.url or vault.url.startswith("file://"):
            return
        keychain, url = self.keychain, vault.url
        vault.load_options(lambda: keychain.get_storage_options(url)[0])

    # -- unlocking and locking -----------------------------------------------------------

    def unlock_current(self) -> UnlockDialog | None:
        vault = self.current()
        if vault is None or vault.state not in (VaultState.LOCKED, VaultState.ERROR):
            return None
        if vault.options_pending:
            # Asked right after start: the credentials are still on their way from the
            # keyring, and unlocking without them would fail. Ask again once they are in.
            def ready() -> None:
                if self.current() is vault:
                    self.unlock_current()

            vault.when_ready(ready)
            return None
        dialog = UnlockDialog(vault, self.keychain, self.runner, self.window)
        dialog.remembered.connect(self._remembered)
        dialog.unlockedBy.connect(self.messageRaised.emit)
        dialog.begin()
        return dialog

    def _remembered(self, problem: str) -> None:
        self.messageRaised.emit(f"The passphrase was not saved: {problem}" if problem
                                else "The passphrase was saved in the OS keyring.")

    def lock_current(self) -> None:
        vault = self.current()
        if vault is not None:
            self.lock(vault)

    def lock_all(self) -> None:
        """Lock every unlocked vault: panes (and their temporary files) go, keys go."""
        for vault in self.vaults.vaults():
            vault.lock()

    def reveal_drive(self, vault: Vault | None = None) -> str | None:
        """Show an unlocked vault (the current one by default) as a drive in the file manager."""
        vault = vault or self.current()
        return self.drives.reveal(vault) if vault is not None else None

    # -- options and tools -----------------------------------------------------------------

    def vault_options(self) -> VaultOptionsDialog | None:
        vault = self.current()
        if vault is None:
            return None
        dialog = VaultOptionsDialog(vault, self.keychain, self.runner,
                                    int(self.autolock.minutes), self.window,
                                    drive_on_unlock=self.drives.on_unlock(vault))
        dialog.autolockChanged.connect(self.set_autolock)
        dialog.driveOnUnlockChanged.connect(
            lambda reveal: self.drives.set_on_unlock(vault, reveal))
        dialog.open()
        return dialog

    def clean_up_current(self) -> CleanupFlow | None:
        """List the current vault's stale leftovers and, once confirmed, remove them."""
        vault = self.current()
        if vault is None:
            return None
        flow = CleanupFlow(vault.url, vault.storage_options, self.runner, self.window)
        flow.finished.connect(self.messageRaised.emit)
        vault.when_ready(flow.start)
        return flow

    def share_current(self) -> ShareDialog | None:
        """The current vault's key slots: add a person's public key, remove one."""
        vault = self.current()
        if vault is None:
            return None
        dialog = ShareDialog(vault.url, vault.storage_options, self.runner, self.window)
        dialog.open()
        vault.when_ready(dialog.refresh)
        return dialog

    def set_autolock(self, minutes: int) -> None:
        self.autolock.set_minutes(minutes)
        self.settings.set_value(AUTOLOCK_KEY, minutes)

    def generate_key(self) -> KeyGenWizard:
        wizard = KeyGenWizard(self.runner, self.keychain, self.window)
        wizard.open()
        return wizard

    def shutdown(self) -> None:
        """Stop the auto-lock (the window locks the vaults and waits for the workers)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.autolock)
        self.autolock.set_minutes(0)
