"""Opened copies of one unlocked vault in the GUI: opened as transfers, watched, saved back.

The work is vaultui.tasks.editing (records, edit detection, write-back with conflicts);
this only wires it to Qt: a file-system watcher (and a slow poll, for what it misses)
triggers checks on a worker, each edit found goes back as an "Encrypt in" transfer row.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.qt import QFileSystemWatcher, QObject, QTimer, Signal
from vaultui.gui.transfers import Direction, Status, Transfer, TransfersModel, _reporter
from vaultui.gui.worker import JobContext, TaskRunner
from vaultui.tasks.editing import OpenedCopies, OpenedCopy, OrphanCopy, WriteBackResult
from vaultui.tasks.privatedir import PrivateFolder

#: Opens a decrypted copy (its local path) in some application.
Launcher = Callable[[str], object]


class EditSync(QObject):
    """Opens files of a vault for other applications and saves their edits back into it.

    Signals:
        saved(result: WriteBackResult): an edit reached the vault (`result.conflict`: beside
            the vault's file, which had changed meanwhile, under `result.vault_path`).
        messageRaised(text: str): something to tell the user.
        settled(): no write-back is queued or running any more.
    """

    saved = Signal(object)
    messageRaised = Signal(str)  # noqa: N815
    settled = Signal()

    #: Quiet time after the last change event before looking (an app saving writes often).
    SETTLE_MS = 400
    #: The slow poll, for changes a watcher misses (some file systems, lost watches).
    POLL_MS = 3000

    def __init__(self, fs: VaultFileSystem, vault_key: str, transfers: TransfersModel,
                 runner: TaskRunner, parent: QObject | None = None,
                 temp_base: str | None = None) -> None:
        super().__init__(parent)
        self.fs = fs
        self.vault_key = vault_key
        self.transfers = transfers
        self.runner = runner
        self.temp_base = temp_base
        self._copies: OpenedCopies | None = None
        self._writing: dict[str, Transfer] = {}
        #: The write-back transfers this made (their failures it reports itself).
        self._made: set[int] = set()
        #: Copies whose last write-back failed: not retried until they change again.
        self._stalled: dict[str, tuple[int, int]] = {}
        self._checking = False
        self._closed = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._changed)
        self.watcher.directoryChanged.connect(self._changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(self.SETTLE_MS)
        self._settle.timeout.connect(self.check)
        self._poll = QTimer(self)
        self._poll.setInterval(self.POLL_MS)
        self._poll.timeout.connect(self.check)
        transfers.transferEnded.connect(self._transfer_ended)

    # -- the private folder ------------------------------------------------------------

    @property
    def copies(self) -> OpenedCopies:
        if self._closed:
            # A folder made now would outlive the lock that should have removed it.
            raise RuntimeError("the vault was locked")
        if self._copies is None:
            folder = PrivateFolder.create(self.temp_base)
            self._copies = OpenedCopies(self.fs, folder, self.vault_key)
        return self._copies

    def temp_dir(self) -> str:
        """The vault's private (0700) folder for decrypted copies; removed on lock."""
        return self.copies.folder.path

    # -- opening -------------------------------------------------------------------------

    def open(self, path: str, launch: Launcher) -> Transfer:
        """Decrypt `path` into the private folder as a transfer, then launch and watch it."""
        copies = self.copies
        fs_path = path.strip("/")

        def make_job() -> Callable[[JobContext], OpenedCopy]:
            def job(ctx: JobContext) -> OpenedCopy:
                return copies.open(fs_path, progress=_reporter(ctx), cancel=ctx.cancelled)
            return job

        transfer = self.transfers.add(Transfer(
            Direction.DOWNLOAD, posixpath.basename(fs_path), "/" + fs_path,
            "(opened copy)", make_job, vault=self.fs))

        def ended(t: Transfer) -> None:
            if t is not transfer:
                return
            self.transfers.transferEnded.disconnect(ended)
            if t.status is Status.DONE and isinstance(t.result, OpenedCopy) and not self._closed:
                self.watch(t.result)
                launch(t.result.local_path)

        self.transfers.transferEnded.connect(ended)
        return transfer

    def watch(self, copy: OpenedCopy) -> None:
        folder = os.path.dirname(copy.local_path)
        paths = [p for p in (folder, copy.local_path) if os.path.exists(p)]
        self.watcher.addPaths(paths)
        if not self._poll.isActive():
            self._poll.start()

    # -- edits ---------------------------------------------------------------------------

    def _changed(self, path: str) -> None:
        copy = self.copies.find(path) if self._copies is not None else None
        if copy is not None:
            self._stalled.pop(copy.id, None)
            # A save by rename drops the file's watch: watch the new file.
            if os.path.exists(copy.local_path) and copy.local_path not in self.watcher.files():
                self.watcher.addPath(copy.local_path)
        self._settle.start()

    @property
    def checking(self) -> bool:
        """Whether a look for edits is under way."""
        return self._checking

    def check(self) -> None:
        """Look for edits (on a worker: it may hash files) and save the ones found back."""
        if self._copies is None or self._checking or self._closed:
            return
        copies = self._copies
        self._checking = True

        def found(edited: object) -> None:
            self._checking = False
            if self._closed:  # locked while the check ran: its copies are kept or gone
                return
            assert isinstance(edited, list)
            for copy in edited:
                if copy.id in self._writing:
                    continue
                stalled = self._stalled.get(copy.id)
                if stalled is not None and stalled == _stamp(copy.local_path):
                    continue
                self._stalled.pop(copy.id, None)
                self.write_back(copy)

        def failed(exc: BaseException) -> None:
            self._checking = False

        self.runner.run(lambda ctx: copies.edited(), on_success=found, on_failure=failed)

    def write_back(self, copy: OpenedCopy) -> Transfer:
        """Encrypt `copy` into the vault as a transfer row (an edit of a file opened here)."""
        copies = self.copies

        def make_job() -> Callable[[JobContext], WriteBackResult]:
            def job(ctx: JobContext) -> WriteBackResult:
                return copies.write_back(copy, progress=_reporter(ctx),
                                         cancel=ctx.cancelled).run()
            return job

        transfer = Transfer(Direction.UPLOAD, f"{copy.name} (edited)", copy.local_path,
                            "/" + copy.vault_path, make_job, vault=self.fs)
        self._writing[copy.id] = transfer
        self._made.add(transfer.id)
        return self.transfers.add(transfer)

    def made(self, transfer: Transfer) -> bool:
        """Whether `transfer` saves an edit back (this reports how it ended)."""
        return transfer.id in self._made

    def _transfer_ended(self, transfer: Transfer) -> None:
        copy_id = next((k for k, t in self._writing.items() if t is transfer), None)
        if copy_id is None:
            return
        del self._writing[copy_id]
        result = transfer.result
        if transfer.status is Status.DONE and isinstance(result, WriteBackResult):
            transfer.destination = "/" + result.vault_path
            if result.conflict:
                self.messageRaised.emit(
                    f"“{result.original}” changed in the vault while you edited it: your "
                    f"version was saved beside it as “{result.vault_path}”.")
            else:
                self.messageRaised.emit(f"Saved your edit of “{result.vault_path}” in the "
                                        "vault.")
            self.saved.emit(result)
        elif transfer.status is Status.FAILED:
            copy = next((c for c in self.copies.copies() if c.id == copy_id), None)
            if copy is not None:
                self._stalled[copy_id] = _stamp(copy.local_path)
            self.messageRaised.emit(f"Your edit of “{transfer.destination.lstrip('/')}” "
                                    f"was not saved in the vault: {transfer.error}")
        if not self._writing:
            self.settled.emit()
        # The application may have saved again while the upload ran.
        self.check()

    # -- before locking ------------------------------------------------------------------

    def unsaved(self) -> list[OpenedCopy]:
        """Copies whose edits are not in the vault yet (running write-backs included)."""
        if self._copies is None:
            return []
        edited = {c.id: c for c in self._copies.edited()}
        for copy in self._copies.copies():
            if copy.id in self._writing:
                edited.setdefault(copy.id, copy)
        return list(edited.values())

    def flush(self, then: Callable[[list[OpenedCopy]], None]) -> None:
        """Save every edit back now; `then(still_unsaved)` once the write-backs ended."""
        for copy in self.unsaved():
            if copy.id not in self._writing:
                self._stalled.pop(copy.id, None)
                self.write_back(copy)
        if not self._writing:
            then(self.unsaved())
            return

        def settled() -> None:
            if self._writing:
                return
            self.settled.disconnect(settled)
            then(self.unsaved())

        self.settled.connect(settled)

    def adopt(self, orphans: list[OrphanCopy]) -> list[OpenedCopy]:
        """Take over edited copies an earlier run left for this vault, and watch them."""
        adopted = [self.copies.adopt(o) for o in orphans]
        for copy in adopted:
            self.watch(copy)
        return adopted

    def discard(self, copy: OpenedCopy) -> None:
        self.watcher.removePaths([p for p in (copy.local_path,
                                              os.path.dirname(copy.local_path))
                                  if p in self.watcher.files() + self.watcher.directories()])
        self.copies.discard(copy)

    def close(self, keep_edited: bool = False) -> list[OpenedCopy]:
        """Stop watching; delete the copies (with `keep_edited`, leave edits for later)."""
        if self._closed:
            return []
        self._closed = True
        self._poll.stop()
        self._settle.stop()
        with_paths = self.watcher.files() + self.watcher.directories()
        if with_paths:
            self.watcher.removePaths(with_paths)
        self.transfers.transferEnded.disconnect(self._transfer_ended)
        copies, self._copies = self._copies, None
        return copies.close(keep_edited) if copies is not None else []


def _stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)
