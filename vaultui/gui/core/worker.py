"""Run plain-Python jobs on a QThreadPool and hear about them on the GUI thread.

A job is any callable taking a :class:`JobContext`: it reads ``ctx.cancelled`` (a
threading.Event) and reports ``ctx.progress(done, total)``; it knows nothing about Qt.
:class:`Task` is the GUI-side handle: it starts the job on a pool, lets the GUI cancel it,
and re-emits what the worker reports as its own signals, always on the GUI thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from vaultui.crypto.errors import CancelledError
from vaultui.gui.core.qt import QObject, QRunnable, QThreadPool, QTimer, Signal, is_alive

# One cancel exception for GUI jobs and vaultui.tasks jobs alike, so a task that wraps a
# vaultui.tasks Job reports a cancel as a cancel, not as a failure.
__all__ = ["JobContext", "Task", "TaskRunner", "WorkerJob"]


class JobContext:
    """What a running job may use: a cancel flag and a progress reporter."""

    def __init__(self, cancelled: threading.Event,
                 report: Callable[[int, int], None]) -> None:
        self.cancelled = cancelled
        self._report = report

    def progress(self, done: int, total: int) -> None:
        self._report(done, total)

    def check(self) -> None:
        """Raise CancelledError if the job was cancelled."""
        if self.cancelled.is_set():
            raise CancelledError("cancelled")


#: A job the GUI runs on a worker thread (not a vaultui.tasks Job, which it may wrap).
WorkerJob = Callable[[JobContext], Any]


class _Runner(QRunnable):
    """Runs the job on a pool thread and queues what happens for the GUI thread.

    It makes no Qt call from the worker thread: with PySide6 6.12 on Python 3.11, emitting a
    signal from a worker thread many times (progress) miscounts references to the returned
    True/None and aborts the interpreter ("bool_dealloc"). A thread-safe queue that the Task
    polls on the GUI thread avoids every cross-thread Python-to-Qt call.
    """

    def __init__(self, task: Task, events: queue.SimpleQueue[tuple[Task, str, Any]],
                 cancelled: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Task keeps it; Python owns its lifetime
        self._task = task
        self._job = task.job
        self._events = events
        self._cancelled = cancelled

    def run(self) -> None:
        events, task = self._events, self._task
        ctx = JobContext(self._cancelled,
                         lambda done, total: events.put((task, "progress", (done, total))))
        try:
            result = self._job(ctx)
        except BaseException as exc:  # every failure must reach the GUI, not the thread
            events.put((task, "failed", exc))
        else:
            events.put((task, "succeeded", result))


class _EventPump(QObject):
    """Hands every task's worker events to its Task on the GUI thread, in the order they
    happened.

    One queue for all tasks: a job that ends is reported before the job the freed pool
    thread picks up next starts (with a timer per task, whichever timer fired first won,
    and a bounded queue could show one transfer too many running). Progress is coalesced
    to the latest value per task and poll.
    """

    POLL_MS = 30

    def __init__(self) -> None:
        super().__init__()
        self.events: queue.SimpleQueue[tuple[Task, str, Any]] = queue.SimpleQueue()
        self._running = 0
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self.drain)

    def started(self) -> None:
        self._running += 1
        if not self._timer.isActive():  # restarting would postpone the next poll
            self._timer.start()

    def drain(self) -> None:
        progress: dict[Task, tuple[int, int]] = {}
        while True:
            try:
                task, kind, value = self.events.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                progress[task] = value
                continue
            self._running -= 1
            if is_alive(task):
                task._end(progress.pop(task, None), kind, value)
        for task, latest in progress.items():
            if is_alive(task):
                task.progressed.emit(*latest)
        if self._running <= 0:
            self._running = 0
            self._timer.stop()


_pump: _EventPump | None = None


def _event_pump() -> _EventPump:
    global _pump
    if _pump is None or not is_alive(_pump):
        _pump = _EventPump()
    return _pump


class Task(QObject):
    """A job handed to a thread pool.

    Signals (all on the GUI thread):
        progressed(done: int, total: int): the job reported progress (latest value only).
        succeeded(result: object): the job returned.
        failed(error: BaseException): the job raised (CancelledError when cancelled).
        ended(): after succeeded or failed; the task is done.
    """

    progressed = Signal(object, object)
    succeeded = Signal(object)
    failed = Signal(object)
    ended = Signal()

    def __init__(self, job: WorkerJob, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self._cancelled = threading.Event()
        self._runner: _Runner | None = None
        self.running = False
        self.done = False

    def start(self, pool: QThreadPool) -> Task:
        self._cancelled.clear()
        pump = _event_pump()
        self._runner = _Runner(self, pump.events, self._cancelled)
        self.running = True
        self.done = False
        pump.started()
        pool.start(self._runner)
        return self

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _end(self, progress: tuple[int, int] | None, kind: str, value: Any) -> None:
        """The job returned or raised: its last progress, then the outcome, then ended."""
        if progress is not None:
            self.progressed.emit(*progress)
        self.running = False
        self.done = True
        self._runner = None
        if kind == "succeeded":
            self.succeeded.emit(value)
        else:
            self.failed.emit(value)
        self.ended.emit()


class TaskRunner(QObject):
    """A thread pool and the tasks running on it, so they can be cancelled and awaited."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def run(self, job: WorkerJob, *,
            on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[int, int], None] | None = None) -> Task:
        task = Task(job, self)
        if on_success is not None:
            task.succeeded.connect(on_success)
        if on_failure is not None:
            task.failed.connect(on_failure)
        if on_progress is not None:
            task.progressed.connect(on_progress)
        self.track(task)
        return task.start(self.pool)

    def track(self, task: Task) -> None:
        self._tasks.add(task)
        task.ended.connect(lambda: self._tasks.discard(task))

    @property
    def active(self) -> int:
        return len(self._tasks)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the pool; True when all threads finished."""
        for task in list(self._tasks):
            task.cancel()
        return bool(self.pool.waitForDone(timeout_ms))
