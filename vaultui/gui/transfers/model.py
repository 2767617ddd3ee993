"""Every transfer of the session as a table model, each vault's on its own bounded queue.

The work is vaultui.tasks' EncryptTree and DecryptTree (plain Python, cancel Event, progress
callback), run on a bounded thread pool per vault; a cancel leaves nothing partial behind.
"""

from __future__ import annotations

import os
import posixpath
import time
from typing import Any

from vaultui.crypto.errors import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.browse.fsmodel import human_size
from vaultui.gui.core.qt import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from vaultui.gui.core.worker import Task, TaskRunner
from vaultui.gui.transfers.jobs import download_job, upload_job, vault_locked
from vaultui.gui.transfers.record import Direction, Status, Transfer, format_eta

Index = QModelIndex | QPersistentModelIndex


class TransfersModel(QAbstractTableModel):
    """Every transfer of this session, running on a bounded pool.

    Signals:
        transferEnded(transfer: Transfer): a transfer finished, failed or was cancelled.
        summaryChanged(text: str): the one-line summary for the status bar changed.
    """

    transferEnded = Signal(object)  # noqa: N815
    summaryChanged = Signal(str)  # noqa: N815

    headers = ("Name", "Direction", "Progress", "Transferred", "Speed", "ETA", "Status")
    PROGRESS_COLUMN = 2
    TransferRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_threads = max_threads
        #: One bounded pool per vault: a big upload into one vault never queues another's.
        self.queues: dict[int, TaskRunner] = {}
        self.transfers: list[Transfer] = []

    # -- starting -------------------------------------------------------------------

    def upload(self, fs: VaultFileSystem, local: str, folder: str,
               name: str | None = None) -> Transfer:
        top = name or os.path.basename(os.path.normpath(local))
        dest = "/" + (posixpath.join(folder, top) if folder else top)
        return self.add(Transfer(Direction.UPLOAD, top, local, dest,
                                 lambda: upload_job(fs, local, folder, name), vault=fs))

    def download(self, fs: VaultFileSystem, path: str, local: str) -> Transfer:
        return self.add(Transfer(Direction.DOWNLOAD, posixpath.basename(path) or "/",
                                 "/" + path, local, lambda: download_job(fs, path, local),
                                 vault=fs))

    def add(self, transfer: Transfer) -> Transfer:
        row = len(self.transfers)
        self.beginInsertRows(QModelIndex(), row, row)
        self.transfers.append(transfer)
        self.endInsertRows()
        self._start(transfer)
        return transfer

    def queue(self, vault: object) -> TaskRunner:
        """The vault's pool (at most `max_threads` transfers of it run at once)."""
        runner = self.queues.get(id(vault))
        if runner is None:
            runner = self.queues[id(vault)] = TaskRunner(self.max_threads, self)
        return runner

    @property
    def active(self) -> int:
        return sum(t.active for t in self.transfers)

    def _start(self, transfer: Transfer) -> None:
        transfer.status, transfer.done, transfer.error = Status.QUEUED, 0, ""
        transfer.started = transfer.ended = 0.0
        task = Task(transfer.make_job(), self)
        transfer.task = task

        def progressed(done: int, total: int) -> None:
            if transfer.status is Status.QUEUED:
                transfer.status = Status.RUNNING
                transfer.started = time.monotonic()
            transfer.done, transfer.total = done, total
            self._changed(transfer)

        def succeeded(result: object) -> None:
            transfer.status, transfer.result = Status.DONE, result
            transfer.done = transfer.total

        def failed(exc: BaseException) -> None:
            if isinstance(exc, CancelledError) or task.is_cancelled:
                transfer.status = Status.CANCELLED
            else:
                transfer.status = Status.FAILED
                transfer.error = str(exc) or type(exc).__name__

        def ended() -> None:
            transfer.ended = time.monotonic()
            self._changed(transfer)
            self.transferEnded.emit(transfer)

        task.progressed.connect(progressed)
        task.succeeded.connect(succeeded)
        task.failed.connect(failed)
        task.ended.connect(ended)
        runner = self.queue(transfer.vault)
        runner.track(task)
        task.start(runner.pool)
        self._changed(transfer)

    def cancel(self, transfer: Transfer) -> None:
        if transfer.active and transfer.task is not None:
            transfer.task.cancel()

    def retry(self, transfer: Transfer) -> None:
        if transfer.retryable and transfer.status in (Status.FAILED, Status.CANCELLED):
            self._start(transfer)

    def cancel_vault(self, vault: object, timeout_ms: int = 30_000) -> bool:
        """Cancel the vault's transfers and wait for its workers (when it is locked).

        The workers stop within one block and clean up; their last events reach the model
        through the tasks' queues once the event loop runs again.
        """
        runner = self.queues.pop(id(vault), None)
        if runner is None:
            return True
        for transfer in self.transfers:
            if transfer.vault is vault:
                self.cancel(transfer)
                transfer.retryable = False
                transfer.vault = None
                transfer.make_job = vault_locked  # drop the closure holding the key
        return runner.shutdown(timeout_ms)

    def clear_finished(self) -> None:
        for row in reversed(range(len(self.transfers))):
            if not self.transfers[row].active:
                self.beginRemoveRows(QModelIndex(), row, row)
                self.transfers.pop(row)
                self.endRemoveRows()
        self.summaryChanged.emit(self.summary())

    def shutdown(self) -> bool:
        finished = True
        for key in list(self.queues):
            finished = self.queues.pop(key).shutdown() and finished
        return finished

    # -- summary --------------------------------------------------------------------

    def summary(self) -> str:
        active = [t for t in self.transfers if t.active]
        failed = sum(t.status is Status.FAILED for t in self.transfers)
        parts = []
        if active:
            done = sum(t.done for t in active)
            total = sum(t.total for t in active)
            parts.append(f"{len(active)} transfer{'s' * (len(active) != 1)}: "
                         f"{human_size(done)} of {human_size(total)}")
        if failed:
            parts.append(f"{failed} failed")
        return ", ".join(parts) or "No transfers running"

    def _changed(self, transfer: Transfer) -> None:
        if transfer in self.transfers:
            row = self.transfers.index(transfer)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))
        self.summaryChanged.emit(self.summary())

    # -- Qt model -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.transfers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.transfers):
            return None
        t = self.transfers[index.row()]
        column = index.column()
        if role == self.TransferRole:
            return t
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{t.source}\n→ {t.destination}"
            return tip + (f"\n{t.error}" if t.error else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4, 5):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return t.label
        if column == 1:
            return t.direction.value
        if column == 2:
            return t.percent
        if column == 3:
            return f"{human_size(t.done)} / {human_size(t.total)}"
        if column == 4:
            speed = t.throughput
            return f"{human_size(int(speed))}/s" if speed else ""
        if column == 5:
            return format_eta(t.eta)
        return f"{t.status.value}: {t.error}" if t.error else t.status.value
