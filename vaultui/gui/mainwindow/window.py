"""The main window: vault sidebar, the unlocked vault's views, transfers, status bar."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from vaultui.gui.browse.pane import VaultPane
from vaultui.gui.core.qt import (
    QCloseEvent,
    QHBoxLayout,
    QItemSelectionModel,
    QLabel,
    QListView,
    QMainWindow,
    QModelIndex,
    QPoint,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from vaultui.gui.core.settings import Settings
from vaultui.gui.core.worker import TaskRunner
from vaultui.gui.editing.prompts import UnsavedChoice, ask_orphans, ask_unsaved
from vaultui.gui.mainwindow.actions import build_actions, build_menus, sidebar_buttons, sidebar_menu
from vaultui.gui.transfers.model import TransfersModel
from vaultui.gui.transfers.panel import TransfersPanel
from vaultui.gui.transfers.quitting import QuitGuard
from vaultui.gui.vaults.controller import VaultController
from vaultui.gui.vaults.drives import VaultDrives
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.vault import Vault, VaultListModel
from vaultui.secrets.keychain import Keychain
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
    """The vault sidebar, the selected vault's views (or its locked page), the transfers
    panel and the status bar. The vault workflows are the `controller`'s."""

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
        self.sidebar = QListView()
        self.drives = VaultDrives(self.vaults, settings, self)
        self.drives.messageRaised.connect(self.statusBar().showMessage)
        self.drives.changed.connect(lambda: self._update_status())
        self.controller = VaultController(self.vaults, self.keychain, settings, self.runner,
                                          self.drives, self.current_vault, self.select,
                                          self.lock_vault, self)
        self.controller.messageRaised.connect(
            lambda text: self.statusBar().showMessage(text, 10_000))
        self.window_actions = build_actions(self, self.controller, self.close)
        build_menus(self.menuBar(), self.window_actions)

        # Sidebar
        self.sidebar.setObjectName("vaultList")
        self.sidebar.setModel(self.vaults)
        self.sidebar.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.sidebar.customContextMenuRequested.connect(self._sidebar_menu)
        self.sidebar.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.sidebar.doubleClicked.connect(lambda *_: self.controller.unlock_current())
        side_buttons = QHBoxLayout()
        for button in sidebar_buttons(self, self.window_actions):
            side_buttons.addWidget(button)
        side_buttons.addStretch(1)
        sidebar_box = QWidget()
        side_layout = QVBoxLayout(sidebar_box)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("<b>Vaults</b>"))
        side_layout.addWidget(self.sidebar)
        side_layout.addLayout(side_buttons)

        # Centre
        self.locked_page = LockedPage()
        self.locked_page.unlock_button.clicked.connect(self.controller.unlock_current)
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

    def add_vault(self, url: str) -> Vault:
        """Add the vault at `url` to the list and select it."""
        return self.controller.add_vault(url)

    def _watch(self, vault: Vault) -> None:
        vault.stateChanged.connect(lambda old, new: self._state_changed(vault, old, new))

    def _forget(self, vault: Vault) -> None:
        self._close_pane(vault)
        self._show_current()

    def _sidebar_menu(self, pos: QPoint) -> None:
        menu = sidebar_menu(self, self.window_actions, self.current_vault())
        menu.exec(self.sidebar.viewport().mapToGlobal(pos))

    # -- locking with opened copies --------------------------------------------------------

    def lock_vault(self, vault: Vault) -> None:
        """Lock `vault`, first asking about opened copies whose edits are not in it yet."""
        pane = self.panes.get(vault)
        unsaved = pane.edits.unsaved() if pane is not None else []
        if pane is None or not unsaved:
            self._lock_with_drive(vault)
            return
        self._settle_edits({pane: unsaved}, "lock", lambda: self._lock_with_drive(vault))

    def _lock_with_drive(self, vault: Vault) -> None:
        """Unmount the vault's drive (asking while files are open in it), then lock."""
        if self.drives.release(vault):
            vault.lock()

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

    # -- the centre and the status bar ----------------------------------------------------

    def _state_changed(self, vault: Vault, old: VaultState, new: VaultState) -> None:
        if new is VaultState.UNLOCKED and vault not in self.panes:
            pane = VaultPane(vault, self.transfers)
            pane.messageRaised.connect(lambda text: self.statusBar().showMessage(text, 10_000))
            pane.countsChanged.connect(self._update_status)
            self.panes[vault] = pane
            self.stack.addWidget(pane)
            # After this signal's other receivers: the question waits in its own loop.
            QTimer.singleShot(0, lambda: self._offer_orphans(vault, pane))
            if self.drives.on_unlock(vault):
                self.drives.reveal(vault)
        elif old is VaultState.UNLOCKED:
            self._close_pane(vault)
        if vault is self.current_vault():
            self._show_current()
            if new is VaultState.UNLOCKED:
                self.panes[vault].plain.view.setFocus()  # the keyboard goes on with the files

    def _close_pane(self, vault: Vault) -> None:
        self.drives.stop(vault)
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
        actions = self.window_actions
        actions.lock.setEnabled(vault is not None and vault.state is VaultState.UNLOCKED)
        actions.unlock.setEnabled(
            vault is not None and vault.state in (VaultState.LOCKED, VaultState.ERROR))
        actions.remove.setEnabled(vault is not None)
        actions.drive.setEnabled(vault is not None and vault.state is VaultState.UNLOCKED)
        actions.reveal.setEnabled(vault is not None and "://" not in vault.url)
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
        location = self.drives.location(vault)
        shown = f"  ·  drive: {location}" if location else ""
        self.location_label.setText(
            f"{vault.url}  ·  {backend}  ·  {vault.state.label}{shown}")
        if pane is not None:
            folders, files = pane.counts()
            self.counts_label.setText(f"{folders} folders, {files} files")
        else:
            self.counts_label.setText("")

    # -- shutting down ---------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel transfers, lock every vault and wait for all workers."""
        self._shut_down = True
        self.controller.shutdown()
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


__all__ = ["MainWindow", "QModelIndex"]
