"""The main window: vault sidebar, the unlocked vault's views, transfers, status bar."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from vaultui.gui.autolock import SETTINGS_KEY as AUTOLOCK_KEY
from vaultui.gui.autolock import AutoLock
from vaultui.gui.cleanup import CleanupFlow
from vaultui.gui.createwizard import CreateVaultWizard, OpenVaultDialog
from vaultui.gui.editprompts import UnsavedChoice, ask_orphans, ask_unsaved
from vaultui.gui.keychain import Keychain
from vaultui.gui.keygenwizard import KeyGenWizard
from vaultui.gui.pane import VaultPane
from vaultui.gui.qt import (
    QAction,
    QApplication,
    QCloseEvent,
    QDesktopServices,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QItemSelectionModel,
    QKeySequence,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QModelIndex,
    QPoint,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QToolButton,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from vaultui.gui.quitting import QuitGuard
from vaultui.gui.settings import Settings
from vaultui.gui.share import ShareDialog
from vaultui.gui.transfers import TransfersModel, TransfersPanel
from vaultui.gui.unlock import UnlockDialog
from vaultui.gui.vaultoptions import VaultOptionsDialog
from vaultui.gui.vaults import Vault, VaultListModel
from vaultui.gui.vaultstate import VaultState
from vaultui.gui.worker import TaskRunner
from vaultui.mount.drive import DriveKind, DriveMount, FilesStillOpenError, preferred_kind
from vaultui.tasks.editing import OpenedCopy, OrphanCopy, recover

_STATE_TEXT = {
    VaultState.LOCKED: "This vault is locked.",
    VaultState.UNLOCKING: "Unlocking…",
    VaultState.MISSING: "The vault cannot be found at its location.",
    VaultState.ERROR: "The vault cannot be opened.",
}


class LockedPage(QWidget):
    """What the centre shows for a vault that is not unlocked (or when none is selected)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel()
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.unlock_button = QPushButton("Unlock…")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def show_vault(self, vault: Vault | None) -> None:
        if vault is None:
            self.title.setText("<h2>No vault selected</h2>")
            self.detail.setText("Add a vault with the + button, or create a new one.")
            self.unlock_button.hide()
            return
        self.title.setText(f"<h2>{vault.name}</h2>")
        text = _STATE_TEXT.get(vault.state, "")
        if vault.error and vault.state in (VaultState.MISSING, VaultState.ERROR):
            text += f"\n{vault.error}"
        self.detail.setText(f"{vault.url}\n\n{text}")
        self.unlock_button.setVisible(vault.state in (VaultState.LOCKED, VaultState.ERROR))


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 keychain: Keychain | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("vaultui")
        self.settings = settings
        self.keychain = keychain or Keychain()
        self.runner = TaskRunner(max_threads=1, parent=self)
        self.vaults = VaultListModel(settings, self)
        self.transfers = TransfersModel(max_threads=2, parent=self)
        self.panes: dict[Vault, VaultPane] = {}
        #: Asks what to do with unsaved edits before a lock or quit ("lock"/"quit", names).
        self.ask_unsaved: Callable[[str, list[str]], UnsavedChoice] = (
            lambda action, names: ask_unsaved(action, names, self))
        #: Asks whether to save the edits an earlier session left (names) -> choice.
        self.ask_orphans: Callable[[list[str]], UnsavedChoice] = (
            lambda names: ask_orphans(names, self))
        self._quit_confirmed = False
        # Decrypted copies a crashed run left are removed now; edited ones are kept until
        # their vault is unlocked, to be saved or discarded then.
        self.orphans: list[OrphanCopy] = recover()
        #: Unlocked vaults shown as a drive ("Reveal drive"), and where FUSE drives go.
        self.drives: dict[Vault, DriveMount] = {}
        self.drives_root = os.path.join(
            os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
            "vaultui", "drives")
        #: Opens a folder or URL in the file manager (tests replace it).
        self.open_location: Callable[[str], None] = _open_location

        # Sidebar
        self.sidebar = QListView()
        self.sidebar.setObjectName("vaultList")
        self.sidebar.setModel(self.vaults)
        self.sidebar.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.sidebar.customContextMenuRequested.connect(self._sidebar_menu)
        self.sidebar.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.sidebar.doubleClicked.connect(lambda *_: self.unlock_current())
        self.add_action = QAction("Add existing vault…", self)
        self.add_action.triggered.connect(self.add_vault_folder)
        self.open_action = QAction("Open existing vault (any storage)…", self)
        self.open_action.triggered.connect(self.open_vault)
        self.add_url_action = QAction("Add vault by URL…", self)
        self.add_url_action.triggered.connect(self.add_vault_url)
        self.create_action = QAction("Create new vault…", self)
        self.create_action.setShortcut(QKeySequence.StandardKey.New)
        self.create_action.triggered.connect(self.create_vault)
        self.remove_action = QAction("Remove from list", self)
        self.remove_action.triggered.connect(self.remove_current)
        self.reveal_action = QAction("Reveal location", self)
        self.reveal_action.triggered.connect(self.reveal_current)
        self.drive_action = QAction("Reveal drive", self)
        self.drive_action.setToolTip("Show the unlocked vault as a drive in the file manager")
        self.drive_action.triggered.connect(lambda: self.reveal_drive())
        self.unlock_action = QAction("Unlock…", self)
        self.unlock_action.setShortcut(QKeySequence("Ctrl+U"))
        self.unlock_action.triggered.connect(self.unlock_current)
        self.lock_action = QAction("Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock_current)
        self.quit_action = QAction("Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        add_menu = QMenu(self)
        for act in (self.add_action, self.open_action, self.add_url_action, self.create_action):
            add_menu.addAction(act)
        add_button = QToolButton()
        add_button.setText("+")
        add_button.setToolTip("Add or create a vault")
        add_button.setMenu(add_menu)
        add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        remove_button = QToolButton()
        remove_button.setDefaultAction(self.remove_action)
        remove_button.setText("\u2212")  # minus sign
        side_buttons = QHBoxLayout()
        side_buttons.addWidget(add_button)
        side_buttons.addWidget(remove_button)
        side_buttons.addStretch(1)
        sidebar_box = QWidget()
        side_layout = QVBoxLayout(sidebar_box)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("<b>Vaults</b>"))
        side_layout.addWidget(self.sidebar)
        side_layout.addLayout(side_buttons)

        # Centre
        self.locked_page = LockedPage()
        self.locked_page.unlock_button.clicked.connect(self.unlock_current)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.locked_page)
        self.transfers_panel = TransfersPanel(self.transfers)
        self.centre = QSplitter(Qt.Orientation.Vertical)
        self.centre.addWidget(self.stack)
        self.centre.addWidget(self.transfers_panel)
        self.centre.setStretchFactor(0, 4)
        self.centre.setStretchFactor(1, 1)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(sidebar_box)
        self.main_split.addWidget(self.centre)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([200, 1000])
        self.setCentralWidget(self.main_split)

        # Menus
        vault_menu = self.menuBar().addMenu("&Vault")
        for group in ((self.create_action, self.add_action, self.open_action,
                       self.add_url_action),
                      (self.unlock_action, self.lock_action, self.drive_action,
                       self.reveal_action, self.remove_action),
                      (self.quit_action,)):
            if not vault_menu.isEmpty():
                vault_menu.addSeparator()
            vault_menu.addActions(list(group))

        # Tools, options and auto-lock
        self.options_action = QAction("Vault options…", self)
        self.options_action.triggered.connect(self.vault_options)
        vault_menu.insertAction(self.quit_action, self.options_action)
        self.clean_action = QAction("Clean up leftovers…", self)
        self.clean_action.setToolTip("Remove what interrupted writes left in the vault's "
                                     "storage")
        self.clean_action.triggered.connect(self.clean_up_current)
        vault_menu.insertAction(self.quit_action, self.clean_action)
        self.share_action = QAction("Share…", self)
        self.share_action.setToolTip("Let people open this vault with their own keys")
        self.share_action.triggered.connect(self.share_current)
        vault_menu.insertAction(self.quit_action, self.share_action)
        self.keygen_action = QAction("Generate key…", self)
        self.keygen_action.triggered.connect(self.generate_key)
        self.menuBar().addMenu("&Tools").addAction(self.keygen_action)
        try:
            minutes = int(str(settings.value(AUTOLOCK_KEY, 0)))
        except ValueError:
            minutes = 0
        self.autolock = AutoLock(self.lock_all, minutes, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.autolock)

        # Status bar
        self.location_label = QLabel()
        self.counts_label = QLabel()
        self.transfer_label = QLabel(self.transfers.summary())
        status = self.statusBar()
        status.addWidget(self.location_label, 1)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.transfer_label)
        self.transfer_label.setObjectName("transferSummary")
        self.transfers.summaryChanged.connect(self.transfer_label.setText)
        self.quit_guard = QuitGuard(self.transfers, self.close, self)
        self._shut_down = False
        self.quit_guard.messageRaised.connect(
            lambda text: self.statusBar().showMessage(text, 30_000))

        for vault in self.vaults.vaults():
            self._watch(vault)
            self._load_storage_options(vault)
        self.vaults.vaultAdded.connect(self._watch)
        self.vaults.vaultRemoved.connect(self._forget)
        self.vaults.check_all()
        if self.vaults.rowCount():
            self.select(self.vaults.vaults()[0])
        self._show_current()
        self.resize(1280, 800)
        if self.orphans:
            self.statusBar().showMessage(
                f"{len(self.orphans)} edited file(s) from an earlier session were not saved "
                "in their vault; you will be asked about them when you unlock it.", 20_000)

    # -- vault list -------------------------------------------------------------------

    def current_vault(self) -> Vault | None:
        return self.vaults.vault(self.sidebar.currentIndex())

    def select(self, vault: Vault) -> None:
        self.sidebar.selectionModel().setCurrentIndex(
            self.vaults.index_of(vault), QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _watch(self, vault: Vault) -> None:
        vault.stateChanged.connect(lambda old, new: self._state_changed(vault, old, new))

    def _forget(self, vault: Vault) -> None:
        self._close_pane(vault)
        self._show_current()

    def add_vault(self, url: str) -> Vault:
        vault = self.vaults.add(url)
        self.select(vault)
        return vault

    def add_vault_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the vault's folder")
        if folder:
            self.add_vault(folder)

    def add_vault_url(self) -> None:
        url, ok = QInputDialog.getText(self, "Add vault by URL",
                                       "Location (e.g. s3://bucket/vault, sftp://host/path)")
        if ok and url.strip():
            self.add_vault(url.strip())

    def remove_current(self) -> None:
        vault = self.current_vault()
        if vault is not None:
            self.vaults.remove(vault)

    def reveal_current(self) -> None:
        vault = self.current_vault()
        if vault is not None and "://" not in vault.url:
            QDesktopServices.openUrl(QUrl.fromLocalFile(vault.url))

    def create_vault(self) -> CreateVaultWizard:
        wizard = CreateVaultWizard(self.runner, self.keychain, self)
        wizard.created.connect(self._created)
        wizard.open()
        return wizard

    def open_vault(self) -> OpenVaultDialog:
        dialog = OpenVaultDialog(self.runner, self)
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
                    self.statusBar().showMessage(
                        f"The storage settings were not saved: {problem}", 10_000)

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

    def _load_storage_options(self, vault: Vault) -> None:
        """Remote vaults get their credentials back from the keyring before their check."""
        if "://" not in vault.url or vault.url.startswith("file://"):
            return
        keychain, url = self.keychain, vault.url
        vault.load_options(lambda: keychain.get_storage_options(url)[0])

    def _sidebar_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        vault = self.current_vault()
        if vault is not None:
            menu.addAction(self.lock_action if vault.state is VaultState.UNLOCKED
                           else self.unlock_action)
            if vault.state is VaultState.UNLOCKED:
                menu.addAction(self.drive_action)
            menu.addAction(self.reveal_action)
            menu.addAction(self.remove_action)
            menu.addSeparator()
        menu.addAction(self.add_action)
        menu.addAction(self.create_action)
        menu.exec(self.sidebar.viewport().mapToGlobal(pos))

    # -- unlocking and locking -----------------------------------------------------------

    def unlock_current(self) -> UnlockDialog | None:
        vault = self.current_vault()
        if vault is None or vault.state not in (VaultState.LOCKED, VaultState.ERROR):
            return None
        if vault.options_pending:
            # Asked right after start: the credentials are still on their way from the
            # keyring, and unlocking without them would fail. Ask again once they are in.
            def ready() -> None:
                if self.current_vault() is vault:
                    self.unlock_current()

            vault.when_ready(ready)
            return None
        dialog = UnlockDialog(vault, self.keychain, self.runner, self)
        dialog.remembered.connect(self._remembered)
        dialog.unlockedBy.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        dialog.begin()
        return dialog

    def _remembered(self, problem: str) -> None:
        self.statusBar().showMessage(
            f"The passphrase was not saved: {problem}" if problem
            else "The passphrase was saved in the OS keyring.", 10_000)

    def lock_current(self) -> None:
        vault = self.current_vault()
        if vault is not None:
            self.lock_vault(vault)

    def lock_vault(self, vault: Vault) -> None:
        """Lock `vault`, first asking about opened copies whose edits are not in it yet."""
        pane = self.panes.get(vault)
        unsaved = pane.edits.unsaved() if pane is not None else []
        if pane is None or not unsaved:
            self._lock_with_drive(vault)
            return
        self._settle_edits({pane: unsaved}, "lock", lambda: self._lock_with_drive(vault))

    def _settle_edits(self, unsaved: dict[VaultPane, list[OpenedCopy]], action: str,
                      then: Callable[[], None]) -> None:
        """Ask about unsaved edits; save or discard them as answered, then call `then`."""
        names = [c.vault_path for copies in unsaved.values() for c in copies]
        choice = self.ask_unsaved(action, names)
        if choice is UnsavedChoice.CANCEL:
            return
        if choice is UnsavedChoice.DISCARD:
            for pane, copies in unsaved.items():
                for copy in copies:
                    pane.edits.discard(copy)
            then()
            return
        waiting = set(unsaved)

        def flushed(pane: VaultPane, left: list[OpenedCopy]) -> None:
            waiting.discard(pane)
            if left:
                failed[pane] = left
            if waiting:
                return
            if failed:
                self.statusBar().showMessage("Some edits could not be saved in the vault; "
                                             "see the transfers.", 10_000)
                self._settle_edits(dict(failed), action, then)
            else:
                then()

        failed: dict[VaultPane, list[OpenedCopy]] = {}
        self.statusBar().showMessage("Saving your edits in the vault…")
        for pane in list(unsaved):
            pane.edits.flush(partial(flushed, pane))

    def _lock_with_drive(self, vault: Vault) -> None:
        """Unmount the vault's drive (asking while files are open in it), then lock."""
        drive = self.drives.get(vault)
        if drive is not None:
            try:
                drive.stop()
            except FilesStillOpenError as exc:
                if not ask_force_lock(self, vault.name, exc.count):
                    return
                drive.stop(force=True)
            except OSError as exc:
                self.statusBar().showMessage(f"Could not unmount the drive: {exc}", 10_000)
                return
            self.drives.pop(vault, None)
            self.vaults.set_drive(vault, None)
        vault.lock()

    # -- the vault as a drive ------------------------------------------------------------

    def drive_on_unlock(self, vault: Vault) -> bool:
        """Whether the vault is to be revealed as a drive when it is unlocked (its options)."""
        return str(self.settings.value(_drive_key(vault), False)).lower() == "true"

    def reveal_drive(self, vault: Vault | None = None) -> str | None:
        """Mount an unlocked vault (once; the current one by default) and open it in the
        file manager."""
        vault = vault or self.current_vault()
        if vault is None or vault.state is not VaultState.UNLOCKED or vault.fs is None:
            return None
        drive = self.drives.get(vault)
        if drive is None:
            kind = preferred_kind()
            mountpoint = None
            if kind is DriveKind.FUSE:
                mountpoint = _free_folder(self.drives_root, vault.name)
            drive = DriveMount(vault.fs, kind, mountpoint=mountpoint)
            try:
                drive.start()
            except OSError as exc:
                self.statusBar().showMessage(f"Could not show the vault as a drive: {exc}",
                                             10_000)
                return None
            self.drives[vault] = drive
            self.vaults.set_drive(vault, drive.location)
        location = drive.location or ""
        if drive.kind is DriveKind.WEBDAV:
            self.statusBar().showMessage(
                f"WebDAV drive at {location}; user and password in {drive.credential_file}",
                30_000)
        self.open_location(location)
        self._update_status()
        return location

    def _stop_drive(self, vault: Vault) -> None:
        """The vault is locking or the app is closing: the drive goes, open files or not."""
        drive = self.drives.pop(vault, None)
        if drive is not None:
            self.vaults.set_drive(vault, None)
            try:
                drive.stop(force=True)
            except OSError as exc:
                self.statusBar().showMessage(f"Could not unmount the drive: {exc}", 10_000)

    def _state_changed(self, vault: Vault, old: VaultState, new: VaultState) -> None:
        if new is VaultState.UNLOCKED and vault not in self.panes:
            pane = VaultPane(vault, self.transfers)
            pane.messageRaised.connect(lambda text: self.statusBar().showMessage(text, 10_000))
            pane.countsChanged.connect(self._update_status)
            self.panes[vault] = pane
            self.stack.addWidget(pane)
            # After this signal's other receivers: the question waits in its own loop.
            QTimer.singleShot(0, lambda: self._offer_orphans(vault, pane))
            if self.drive_on_unlock(vault):
                self.reveal_drive(vault)
        elif old is VaultState.UNLOCKED:
            self._close_pane(vault)
        if vault is self.current_vault():
            self._show_current()
            if new is VaultState.UNLOCKED:
                self.panes[vault].plain.view.setFocus()  # the keyboard goes on with the files

    def _offer_orphans(self, vault: Vault, pane: VaultPane) -> None:
        """Offer to save the edits an earlier session (or an earlier lock) left for `vault`."""
        if self.panes.get(vault) is not pane:
            return  # locked again already
        self.orphans += recover()  # what a lock of this run kept is free to take now
        mine = [o for o in self.orphans if o.vault_key == vault.url]
        if not mine:
            return
        self.orphans = [o for o in self.orphans if o not in mine]
        adopted = pane.edits.adopt(mine)
        choice = self.ask_orphans([c.vault_path for c in adopted])
        if choice is UnsavedChoice.SAVE:
            pane.edits.flush(lambda left: None)
        elif choice is UnsavedChoice.DISCARD:
            for copy in adopted:
                pane.edits.discard(copy)
        # CANCEL: they stay opened, edited copies; locking asks about them again.

    def _close_pane(self, vault: Vault) -> None:
        self._stop_drive(vault)
        pane = self.panes.pop(vault, None)
        if pane is not None:
            pane.close_down()
            self.stack.removeWidget(pane)
            pane.deleteLater()

    def _show_current(self) -> None:
        vault = self.current_vault()
        pane = self.panes.get(vault) if vault is not None else None
        if pane is not None:
            self.stack.setCurrentWidget(pane)
        else:
            self.locked_page.show_vault(vault)
            self.stack.setCurrentWidget(self.locked_page)
        self.lock_action.setEnabled(vault is not None and vault.state is VaultState.UNLOCKED)
        self.unlock_action.setEnabled(
            vault is not None and vault.state in (VaultState.LOCKED, VaultState.ERROR))
        self.remove_action.setEnabled(vault is not None)
        self.drive_action.setEnabled(vault is not None and vault.state is VaultState.UNLOCKED)
        self.reveal_action.setEnabled(vault is not None and "://" not in vault.url)
        self._update_status()

    def current_pane(self) -> VaultPane | None:
        vault = self.current_vault()
        return self.panes.get(vault) if vault is not None else None

    def _update_status(self) -> None:
        vault = self.current_vault()
        if vault is None:
            self.location_label.setText("")
            self.counts_label.setText("")
            return
        backend = "local"
        pane = self.panes.get(vault)
        if pane is not None:
            protocol = pane.fs.storage.protocol
            backend = protocol if isinstance(protocol, str) else protocol[0]
        elif "://" in vault.url:
            backend = vault.url.split("://", 1)[0]
        drive = self.drives.get(vault)
        shown = f"  ·  drive: {drive.location}" if drive is not None and drive.location else ""
        self.location_label.setText(
            f"{vault.url}  ·  {backend}  ·  {vault.state.label}{shown}")
        if pane is not None:
            folders, files = pane.counts()
            self.counts_label.setText(f"{folders} folders, {files} files")
        else:
            self.counts_label.setText("")

    # -- options, tools, locking everything ------------------------------------------------

    def vault_options(self) -> VaultOptionsDialog | None:
        vault = self.current_vault()
        if vault is None:
            return None
        dialog = VaultOptionsDialog(vault, self.keychain, self.runner,
                                    int(self.autolock.minutes), self,
                                    drive_on_unlock=self.drive_on_unlock(vault))
        dialog.autolockChanged.connect(self.set_autolock)
        dialog.driveOnUnlockChanged.connect(
            lambda reveal: self.settings.set_value(_drive_key(vault), reveal))
        dialog.open()
        return dialog

    def clean_up_current(self) -> CleanupFlow | None:
        """List the current vault's stale leftovers and, once confirmed, remove them."""
        vault = self.current_vault()
        if vault is None:
            return None
        flow = CleanupFlow(vault.url, vault.storage_options, self.runner, self)
        flow.finished.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        vault.when_ready(flow.start)
        return flow

    def share_current(self) -> ShareDialog | None:
        """The current vault's key slots: add a person's public key, remove one."""
        vault = self.current_vault()
        if vault is None:
            return None
        dialog = ShareDialog(vault.url, vault.storage_options, self.runner, self)
        dialog.open()
        vault.when_ready(dialog.refresh)
        return dialog

    def set_autolock(self, minutes: int) -> None:
        self.autolock.set_minutes(minutes)
        self.settings.set_value(AUTOLOCK_KEY, minutes)

    def generate_key(self) -> KeyGenWizard:
        wizard = KeyGenWizard(self.runner, self.keychain, self)
        wizard.open()
        return wizard

    def lock_all(self) -> None:
        """Lock every unlocked vault: panes (and their temporary files) go, keys go."""
        for vault in self.vaults.vaults():
            vault.lock()

    # -- shutting down ---------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel transfers, lock every vault and wait for all workers."""
        self._shut_down = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.autolock)
        self.autolock.set_minutes(0)
        self.transfers.shutdown()
        for vault in list(self.panes):
            self._close_pane(vault)
        self.vaults.shutdown()
        self.runner.shutdown()
        for orphan in self.orphans:  # still kept on disk, for the next run
            orphan.folder.release()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._shut_down and not self._quit_confirmed:
            unsaved = {p: u for p in self.panes.values() if (u := p.edits.unsaved())}
            if unsaved:
                # Not closing now: saving first takes a while; the answer closes later.
                event.ignore()
                self._settle_edits(unsaved, "quit", self._quit_now)
                return
        # Transfers running: asked, and not to quit now (after shutdown none can run).
        if not self._shut_down and not self.quit_guard.may_quit():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def _quit_now(self) -> None:
        self._quit_confirmed = True
        self.close()


def ask_force_lock(parent: QWidget, name: str, count: int) -> bool:
    """Ask whether to lock although programs still hold files open in the drive."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Files are still open",
                      f"{count} file(s) of “{name}” are still open in other programs. Locking "
                      "now cuts them off; changes they have not saved are lost.",
                      QMessageBox.StandardButton.Cancel, parent)
    force = box.addButton("Force lock", QMessageBox.ButtonRole.DestructiveRole)
    box.exec()
    return box.clickedButton() is force


def _drive_key(vault: Vault) -> str:
    return f"drive_on_unlock/{vault.entry.id}"


def _open_location(location: str) -> None:
    url = QUrl(location) if "://" in location else QUrl.fromLocalFile(location)
    QDesktopServices.openUrl(url)


def _free_folder(root: str, name: str) -> str:
    """An empty folder under `root` to mount at, named after the vault."""
    safe = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name).strip(" .") or "vault"
    for i in range(1, 1000):
        path = os.path.join(root, safe if i == 1 else f"{safe} ({i})")
        os.makedirs(path, exist_ok=True)
        if not os.listdir(path) and not os.path.ismount(path):
            return path
    raise OSError("no free folder to mount the drive at")


def local_path(url: str) -> str | None:
    if "://" in url and not url.startswith("file://"):
        return None
    return os.path.abspath(url.removeprefix("file://"))


__all__ = ["MainWindow", "QModelIndex"]
