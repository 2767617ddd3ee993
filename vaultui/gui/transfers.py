"""Uploads into and downloads out of a vault, with progress, cancel and retry.

The jobs here are plain Python over VaultFileSystem.put_file/get_file with an fsspec Callback
that raises when the transfer is cancelled: VaultWriteFile then discards what it wrote and
get_file removes its .part file, so a cancelled transfer leaves nothing partial behind.
(vaultui.tasks will provide these jobs later; this module is the GUI's glue until then.)
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

from fsspec.callbacks import Callback

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


# -- plain jobs --------------------------------------------------------------------------


class _CancelCallback(Callback):  # type: ignore[misc]
    """Reports bytes to the job context and raises when the job is cancelled."""

    def __init__(self, ctx: JobContext, progress: Callable[[int], None]) -> None:
        super().__init__()
        self._ctx = ctx
        self._progress = progress
        self._last = 0

    def call(self, *args: Any, **kwargs: Any) -> None:
        self._ctx.check()
        delta = int(self.value or 0) - self._last
        self._last = int(self.value or 0)
        if delta:
            self._progress(delta)


def local_tree(path: str) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Folders (relative) and files (absolute, relative, size) under a local path."""
    base = os.path.basename(os.path.normpath(path))
    if not os.path.isdir(path):
        return [], [(path, base, os.path.getsize(path))]
    dirs, files = [base], []
    for folder, subdirs, names in os.walk(path):
        rel = os.path.relpath(folder, os.path.dirname(os.path.normpath(path)))
        subdirs.sort()
        dirs.extend(posixpath.join(*rel.split(os.sep), d) for d in subdirs)
        for name in sorted(names):
            full = os.path.join(folder, name)
            files.append((full, posixpath.join(*rel.split(os.sep), name),
                          os.path.getsize(full)))
    return dirs, files


def upload_job(fs: VaultFileSystem, local: str, folder: str,
               name: str | None = None) -> Callable[[JobContext], str]:
    """Encrypt a local file or folder (recursively) into vault `folder` as `name`."""
    def job(ctx: JobContext) -> str:
        top = name or os.path.basename(os.path.normpath(local))
        target = posixpath.join(folder, top) if folder else top
        dirs, files = local_tree(local)
        total = sum(size for _, _, size in files)
        created = not fs.exists(target)
        done = 0

        def advance(delta: int) -> None:
            nonlocal done
            done += delta
            ctx.progress(done, total)

        ctx.progress(0, total)
        try:
            for rel in dirs:
                ctx.check()
                fs.makedirs(_retarget(rel, top, target), exist_ok=True)
            for full, rel, _size in files:
                ctx.check()
                fs.put_file(full, _retarget(rel, top, target),
                            callback=_CancelCallback(ctx, advance))
        except BaseException:
            # A folder this transfer created goes again; a replaced file was never touched.
            if created and dirs:
                with contextlib.suppress(Exception):
                    fs.rm(target, recursive=True)
            raise
        return target

    return job


def _retarget(rel: str, top: str, target: str) -> str:
    parts = rel.split("/", 1)
    tail = parts[1] if len(parts) > 1 else ""
    assert parts[0] == top or True
    return posixpath.join(target, tail) if tail else target


def download_job(fs: VaultFileSystem, path: str, local: str) -> Callable[[JobContext], str]:
    """Decrypt vault file or folder `path` to local path `local` (recursively)."""
    def job(ctx: JobContext) -> str:
        if fs.isdir(path):
            listing = fs.find(path, withdirs=True, detail=True)
            entries = sorted(listing.items())
        else:
            entries = [(path, fs.info(path))]
        total = sum(int(i.get("size") or 0) for _, i in entries if i["type"] != "directory")
        created = not os.path.exists(local)
        done = 0

        def advance(delta: int) -> None:
            nonlocal done
            done += delta
            ctx.progress(done, total)

        ctx.progress(0, total)
        try:
            if fs.isdir(path):
                os.makedirs(local, exist_ok=True)
            for vpath, info in entries:
                ctx.check()
                rel = posixpath.relpath(vpath, path) if vpath != path else ""
                dest = os.path.join(local, *rel.split("/")) if rel else local
                if info["type"] == "directory":
                    os.makedirs(dest, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
                    fs.get_file(vpath, dest, callback=_CancelCallback(ctx, advance))
        except BaseException:
            if created and os.path.isdir(local):
                shutil.rmtree(local, ignore_errors=True)
            raise
        return local

    return job


def keep_both_name(name: str, existing: set[str]) -> str:
    stem, ext = posixpath.splitext(name)
    for n in itertools.count(2):
        candidate = f"{stem} ({n}){ext}"
        if candidate not in existing:
            return candidate
    raise AssertionError("unreachable")


# -- the model ---------------------------------------------------------------------------


_ids = itertools.count(1)


@dataclass(eq=False)
class Transfer:
    direction: Direction
    label: str
    source: str
    destination: str
    make_job: Callable[[], Callable[[JobContext], Any]]
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
        self.runner = TaskRunner(max_threads=max_threads, parent=self)
        self.transfers: list[Transfer] = []

    # -- starting -------------------------------------------------------------------

    def upload(self, fs: VaultFileSystem, local: str, folder: str,
               name: str | None = None) -> Transfer:
        top = name or os.path.basename(os.path.normpath(local))
        dest = "/" + (posixpath.join(folder, top) if folder else top)
        return self.add(Transfer(Direction.UPLOAD, top, local, dest,
                                 lambda: upload_job(fs, local, folder, name)))

    def download(self, fs: VaultFileSystem, path: str, local: str) -> Transfer:
        return self.add(Transfer(Direction.DOWNLOAD, posixpath.basename(path) or "/",
                                 "/" + path, local, lambda: download_job(fs, path, local)))

    def add(self, transfer: Transfer) -> Transfer:
        row = len(self.transfers)
        self.beginInsertRows(QModelIndex(), row, row)
        self.transfers.append(transfer)
        self.endInsertRows()
        self._start(transfer)
        return transfer

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
        self.runner.track(task)
        task.start(self.runner.pool)
        self._changed(transfer)

    def cancel(self, transfer: Transfer) -> None:
        if transfer.active and transfer.task is not None:
            transfer.task.cancel()

    def retry(self, transfer: Transfer) -> None:
        if transfer.status in (Status.FAILED, Status.CANCELLED):
            self._start(transfer)

    def clear_finished(self) -> None:
        for row in reversed(range(len(self.transfers))):
            if not self.transfers[row].active:
                self.beginRemoveRows(QModelIndex(), row, row)
                self.transfers.pop(row)
                self.endRemoveRows()
        self.summaryChanged.emit(self.summary())

    def shutdown(self) -> bool:
        return self.runner.shutdown()

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
        self.retry_button.setEnabled(
            any(t.status in (Status.FAILED, Status.CANCELLED) for t in chosen))
