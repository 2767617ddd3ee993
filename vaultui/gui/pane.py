"""The unlocked vault: plaintext and encrypted views side by side, kept in step."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.browser import CiphertextBrowser, PlaintextBrowser
from vaultui.gui.clash import ask_clash
from vaultui.gui.dragout import DragOut
from vaultui.gui.editsync import EditSync, Launcher
from vaultui.gui.fsmodel import PathRole
from vaultui.gui.models import ciphertext_paths_job, cleartext_path_job
from vaultui.gui.openwith import DesktopApp, command_for, default_application, launch
from vaultui.gui.qt import (
    QDesktopServices,
    QDrag,
    QFileDialog,
    QInputDialog,
    QMimeData,
    QModelIndex,
    QSplitter,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.transfers import Clash, Direction, Status, Transfer, TransfersModel
from vaultui.gui.vaults import Vault
from vaultui.gui.worker import JobContext, TaskRunner
from vaultui.tasks.naming import keep_both_name

#: (name, is_dir, clashes still to come) -> (what to do, do it for the rest too)
ClashAsker = Callable[[str, bool, int], tuple[Clash, bool]]


class VaultPane(QWidget):
    """Views of one unlocked vault, plus its drops, saves and opens.

    Signals:
        messageRaised(text: str): something to show the user (status bar).
        countsChanged(): the shown folder's item counts may have changed.
    """

    messageRaised = Signal(str)  # noqa: N815
    countsChanged = Signal()  # noqa: N815

    def __init__(self, vault: Vault, transfers: TransfersModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert vault.fs is not None
        self.vault = vault
        self.fs: VaultFileSystem = vault.fs
        self.transfers = transfers
        self.runner = TaskRunner(max_threads=2, parent=self)
        self.plain = PlaintextBrowser(self.fs, self.runner, self)
        self.cipher = CiphertextBrowser(self.fs, self.runner, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.plain)
        self.splitter.addWidget(self.cipher)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._syncing = False
        self._closed = False
        #: Opened copies: watched, their edits saved back into the vault.
        self.edits = EditSync(self.fs, vault.url, transfers, self.runner, self)
        self.edits.messageRaised.connect(self.messageRaised)
        self.ask_clash: ClashAsker = self._clash_dialog
        self.choose_save_target: Callable[[list[str]], str | None] = self._save_dialog
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.start_drag: Callable[[QMimeData], object] = self._exec_drag
        #: Asks for a command to open a file with ("Other program…"); None: cancelled.
        self.ask_command: Callable[[str], str | None] = self._command_dialog
        self.drag = DragOut(self.fs, self.runner, self.temp_dir,
                            lambda mime: self.start_drag(mime), self)
        self.drag.messageRaised.connect(self.messageRaised)  # "" clears the status bar

        self.plain.view.selectionModel().currentChanged.connect(self._plain_current)
        self.cipher.view.selectionModel().currentChanged.connect(self._cipher_current)
        self.plain.filesDropped.connect(self.drop_files)
        self.plain.saveRequested.connect(self.save_items)
        self.plain.openRequested.connect(self.open_item)
        self.plain.openWithRequested.connect(self.open_with)
        self.plain.dragRequested.connect(self.drag_out)
        self.plain.operationFailed.connect(self.messageRaised)
        self.plain.plain_model.loaded.connect(lambda *_: self.countsChanged.emit())
        self.plain.plain_model.rowsRemoved.connect(lambda *_: self.countsChanged.emit())
        self.plain.folderChanged.connect(lambda *_: self.countsChanged.emit())
        transfers.transferEnded.connect(self._transfer_ended)

    # -- selection sync ---------------------------------------------------------------

    def _plain_current(self, current: object, previous: object) -> None:
        if self._syncing:
            return
        path = self.plain.current_path()
        if path is None:
            return

        def still() -> bool:
            return self.plain.current_path() == path

        def found(paths: object) -> None:
            assert isinstance(paths, list)
            if still():
                self.cipher.select_paths(paths, self._mirror(self.cipher, still))

        self.runner.run(ciphertext_paths_job(self.fs, path), on_success=found)

    def _cipher_current(self, current: object, previous: object) -> None:
        if self._syncing:
            return
        index = self.cipher.view.currentIndex()
        if not index.isValid():
            return
        storage_path = str(index.data(PathRole))

        def still() -> bool:
            now = self.cipher.view.currentIndex()
            return now.isValid() and now.data(PathRole) == storage_path

        def found(path: object) -> None:
            if still():
                with self._mirroring():
                    self.plain.select_path(str(path), self._mirror(self.plain, still))

        self.runner.run(cleartext_path_job(self.fs, storage_path), on_success=found)

    def _mirror(self, browser: PlaintextBrowser | CiphertextBrowser,
                still: Callable[[], bool]) -> Callable[[QModelIndex], None]:
        """Selects in `browser` what the other view selected, once found (folders may have
        to be listed first). Only if the other view still has that selected: a late answer
        must not take the selection back from a click made meanwhile. And quietly: the
        other view must not follow back."""
        def select(index: QModelIndex) -> None:
            if still():
                with self._mirroring():
                    browser.select_index(index)
        return select

    @contextmanager
    def _mirroring(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    # -- counts -----------------------------------------------------------------------

    def counts(self) -> tuple[int, int]:
        """(folders, files) in the shown folder, as far as listed."""
        node = self.plain.model.find(self.plain.folder)
        children = node.children if node is not None else None
        children = children or []
        folders = sum(c.is_dir for c in children)
        return folders, len(children) - folders

    # -- dropping files in ---------------------------------------------------------------

    def drop_files(self, paths: list[str], folder: str) -> None:
        """Encrypt local files/folders into vault `folder`, asking about name clashes."""
        fs = self.fs

        def plan(ctx: JobContext) -> set[str]:
            return {posixpath.basename(p) for p in fs.ls(folder, detail=False)}

        def planned(existing: object) -> None:
            assert isinstance(existing, set)
            self._start_uploads(paths, folder, existing)

        self.runner.run(plan, on_success=planned,
                        on_failure=lambda e: self.messageRaised.emit(f"Cannot add files: {e}"))

    def _start_uploads(self, paths: list[str], folder: str, existing: set[str]) -> None:
        remembered: Clash | None = None
        clashes = sum(os.path.basename(os.path.normpath(p)) in existing for p in paths)
        for local in paths:
            name = os.path.basename(os.path.normpath(local))
            target_name: str | None = None
            if name in existing:
                clashes -= 1
                choice = remembered
                if choice is None:
                    choice, for_all = self.ask_clash(name, os.path.isdir(local), clashes)
                    if for_all:
                        remembered = choice
                if choice is Clash.SKIP:
                    continue
                if choice is Clash.KEEP_BOTH:
                    target_name = keep_both_name(name, existing)
            existing.add(target_name or name)
            self.transfers.upload(self.fs, local, folder, target_name)

    def _clash_dialog(self, name: str, is_dir: bool, more: int) -> tuple[Clash, bool]:
        return ask_clash(name, is_dir, more, self)

    def _transfer_ended(self, transfer: Transfer) -> None:
        if transfer.direction is Direction.UPLOAD:
            folder = posixpath.dirname(transfer.destination.strip("/"))
            self.plain.model.refresh(folder)
            self.cipher.model.refresh()
        if transfer.status is Status.FAILED and not self.edits.made(transfer):
            self.messageRaised.emit(f"{transfer.label}: {transfer.error}")

    # -- saving and opening ------------------------------------------------------------

    def save_items(self, paths: list[str]) -> None:
        """Decrypt items to a place the user chooses (file: Save as; several: a folder)."""
        target = self.choose_save_target(paths)
        if not target:
            return
        if len(paths) == 1 and not os.path.isdir(target):
            self.transfers.download(self.fs, paths[0], target)
            return
        for path in paths:
            self.transfers.download(self.fs, path,
                                    os.path.join(target, posixpath.basename(path)))

    def _save_dialog(self, paths: list[str]) -> str | None:
        node = self.plain.model.find(paths[0])
        if len(paths) == 1 and node is not None and not node.is_dir:
            name, _ = QFileDialog.getSaveFileName(self, "Save decrypted copy as",
                                                  posixpath.basename(paths[0]))
            return name or None
        folder = QFileDialog.getExistingDirectory(self, "Decrypt to folder")
        return folder or None

    def temp_dir(self) -> str:
        """The private (0700) folder for this vault's decrypted copies; removed on lock."""
        return self.edits.temp_dir()

    def open_item(self, path: str, launcher: Launcher | None = None) -> Transfer:
        """Decrypt a file into the private folder and open it (with the default app).

        The copy is watched: what the application saves goes back into the vault.
        """
        return self.edits.open(path, launcher or self._open_default)

    def _open_default(self, local: str) -> None:
        # The XDG default (what `xdg-mime default` set) is started directly: it then works
        # without xdg-open too. Otherwise the desktop's opener (QDesktopServices) decides.
        app = default_application(local)
        if app is not None:
            self._launch(app.arguments(local))
        else:
            self.open_url(QUrl.fromLocalFile(local))

    def open_with(self, path: str, app: DesktopApp | None) -> Transfer | None:
        """Open a file with a given application, or (None) with a command the user types."""
        if app is not None:
            return self.open_item(path, lambda local: self._launch(app.arguments(local)))
        text = self.ask_command(posixpath.basename(path))
        if not text:
            return None
        return self.open_item(path, lambda local: self._launch(command_for(text, local)))

    def _launch(self, command: list[str]) -> None:
        if not launch(command):
            self.messageRaised.emit(f"Cannot start {command[0] if command else 'nothing'}.")

    def _command_dialog(self, name: str) -> str | None:
        text, ok = QInputDialog.getText(
            self, "Open with other program",
            f"Command to open “{name}” with (the file goes where %f is, or at the end):")
        return text.strip() if ok and text.strip() else None

    # -- dragging out ------------------------------------------------------------------

    def drag_out(self, paths: list[str]) -> None:
        """Decrypt `paths` (see DragOut), then drag them while the button is still down."""
        nodes = [self.plain.model.find(p) for p in paths]
        # What the items were when decrypted: changed since, they are decrypted again.
        stamp = tuple((p, repr(n.info) if n is not None else "") for p, n in zip(
            paths, nodes, strict=True))
        self.drag.request(paths, stamp)

    def _exec_drag(self, mime: QMimeData) -> None:
        drag = QDrag(self.plain.view)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)

    def close_down(self, keep_edited: bool = True) -> None:
        """Stop this pane's jobs and transfers, remove decrypted temp copies (on lock, exit).

        Copies with edits not in the vault are kept unless `keep_edited` is False (the
        user chose to discard them): the next unlock of this vault offers to save them.
        """
        if not self._closed:
            self._closed = True
            self.transfers.transferEnded.disconnect(self._transfer_ended)
            self.transfers.cancel_vault(self.fs)
        self.runner.shutdown()
        self.drag.forget()
        self.edits.close(keep_edited)
