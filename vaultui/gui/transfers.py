"""Uploads into and downloads out of a vault, with progress, cancel and retry.

The work is vaultui.tasks' EncryptTree and DecryptTree (plain Python, cancel Event, progress
callback), run on a bounded thread pool per vault; a cancel leaves nothing partial behind.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import os
import posixpath
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.fsmodel import human_size
from vaultui.gui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.worker import CancelledError, JobContext, Task, TaskRunner
from vaultui.tasks import DecryptTree, EncryptTree, Progress, ProgressCallback
from vaultui.tasks.transfer import FileCopy, PartialTransferError, TransferPlan, vault_join

Index = QModelIndex | QPersistentModelIndex


class Direction(enum.Enum):
    UPLOAD = "Encrypt in"
    DOWNLOAD = "Decrypt out"


class Status(enum.Enum):
    QUEUED = "Queued"
    RUNNING = "Running"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


class Clash(enum.Enum):
    """What to do when the destination already has an item of that name."""

    REPLACE = "replace"
    KEEP_BOTH = "keep both"
    SKIP = "skip"


# -- jobs: vaultui.tasks' EncryptTree / DecryptTree on a worker ---------------------------


def _reporter(ctx: JobContext) -> ProgressCallback:
    """Hand a tasks Job's progress (bytes) to the worker context, which queues it."""
    def report(progress: Progress) -> None:
        ctx.progress(progress.bytes_done, progress.bytes_total)
    return report


def _rename_top(plan: TransferPlan, old: str, new: str) -> TransferPlan:
    """The same plan with the top item `old` (a full path) landing at `new` instead."""
    def move(path: str) -> str:
        if path == old:
            return new
        if path.startswith(old + "/") or path.startswith(old + os.sep):
            return new + path[len(old):]
        return path

    return TransferPlan([move(d) for d in plan.dirs],
                        [FileCopy(f.source, move(f.target), f.size) for f in plan.files])


def upload_job(fs: VaultFileSystem, local: str, folder: str,
               name: str | None = None) -> Callable[[JobContext], str]:
    """Encrypt a local file or folder (recursively) into vault `folder` as `name`."""
    def job(ctx: JobContext) -> str:
        top = name or os.path.basename(os.path.normpath(local))
        target = vault_join(folder, top)
        tree = EncryptTree(fs, [local], folder, progress=_reporter(ctx), cancel=ctx.cancelled)
        plan = tree.prepare()
        if name:
            plan = _rename_top(plan, vault_join(folder, os.path.basename(
                os.path.normpath(local))), target)
        created = bool(plan.dirs) and not fs.exists(target)
        try:
            tree.run(plan)
        except BaseException:
            # EncryptTree never leaves a partial file; a folder this transfer created goes
            # too, so a cancel leaves the vault as it was. A replaced file was never touched.
            if created:
                with contextlib.suppress(Exception):
                    fs.rm(target, recursive=True)
            raise
        return target

    return job


def download_job(fs: VaultFileSystem, path: str, local: str) -> Callable[[JobContext], str]:
    """Decrypt vault file or folder `path` to local path `local` (recursively)."""
    def job(ctx: JobContext) -> str:
        tree = DecryptTree(fs, [path.strip("/")], local, exact=True, progress=_reporter(ctx),
                           cancel=ctx.cancelled)
        created = not os.path.exists(local)
        try:
            result = tree.run()
        except BaseException:
            # DecryptTree removes its .part files; a folder this transfer created goes too.
            if created and os.path.isdir(local):
                shutil.rmtree(local, ignore_errors=True)
            raise
        if result.failures:
            # What could be copied stays; the transfer fails naming what could not.
            raise PartialTransferError(result)
        return local

    return job


def _vault_locked() -> Callable[[JobContext], Any]:
    raise RuntimeError("the vault was locked")


# -- the model ---------------------------------------------------------------------------


_ids = itertools.count(1)


@dataclass(eq=False)
class Transfer:
    direction: Direction
    label: str
    source: str
    destination: str
    make_job: Callable[[], Callable[[JobContext], Any]]
    #: The vault this transfer belongs to: its queue, and what locking it cancels.
    vault: object = None
    #: False once the vault was locked: its key is gone, so the transfer cannot run again.
    retryable: bool = True
    id: int = field(default_factory=lambda: next(_ids))
    status: Status = Status.QUEUED
    done: int = 0
    total: int = 0
    error: str = ""
    started: float = 0.0
    ended: float = 0.0
    task: Task | None = None
    result: Any = None

    @property
    def active(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def throughput(self) -> float:
        end = self.ended or time.monotonic()
        elapsed = end - self.started if self.started else 0.0
        return self.done / elapsed if elapsed > 0.05 else 0.0

    @property
    def eta(self) -> float | None:
        speed = self.throughput
        if self.status is not Status.RUNNING or speed <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / speed)

    @property
    def percent(self) -> int:
        if self.status is Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds + 0.5)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


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
                transfer.make_job = _vault_locked  # drop the closure holding the key
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


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar."""

    def paint(self, painter: Any, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = int(value or 0)
        bar.text = f"{bar.progress}%"
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class TransfersPanel(QWidget):
    """The transfers table with cancel, retry and clear buttons (a thin view)."""

    def __init__(self, model: TransfersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setItemDelegateForColumn(model.PROGRESS_COLUMN, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(model.PROGRESS_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(model.PROGRESS_COLUMN, 160)
        # Speed and ETA fill in only once a transfer runs: give them room up front.
        for column, width in ((3, 170), (4, 100), (5, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.clear_button = QPushButton("Clear finished")
        self.summary = QLabel(model.summary())
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.clear_button.clicked.connect(model.clear_finished)
        model.summaryChanged.connect(self.summary.setText)
        model.dataChanged.connect(lambda *_: self._update_buttons())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("<b>Transfers</b>"))
        buttons.addWidget(self.summary, 1)
        for b in (self.cancel_button, self.retry_button, self.clear_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self._update_buttons()

    def selected(self) -> list[Transfer]:
        rows = self.table.selectionModel().selectedRows()
        return [self.model.transfers[i.row()] for i in rows]

    def cancel_selected(self) -> None:
        for t in self.selected():
            self.model.cancel(t)

    def retry_selected(self) -> None:
        for t in self.selected():
            self.model.retry(t)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.cancel_button.setEnabled(any(t.active for t in chosen))
        self.retry_button.setEnabled(any(
            t.retryable and t.status in (Status.FAILED, Status.CANCELLED) for t in chosen))
