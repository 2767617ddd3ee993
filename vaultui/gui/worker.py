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

from vaultui.crypto.stream import CancelledError
from vaultui.gui.qt import QObject, QRunnable, QThreadPool, QTimer, Signal

# One cancel exception for GUI jobs and vaultui.tasks jobs alike, so a task that wraps a
# vaultui.tasks Job reports a cancel as a cancel, not as a failure.
__all__ = ["CancelledError", "Job", "JobContext", "Task", "TaskRunner"]


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


Job = Callable[[JobContext], Any]


class _Runner(QRunnable):
    """Runs the job on a pool thread and queues what happens for the GUI thread.

    It makes no Qt call from the worker thread: with PySide6 6.12 on Python 3.11, emitting a
    signal from a worker thread many times (progress) miscounts references to the returned
    True/None and aborts the interpreter ("bool_dealloc"). A thread-safe queue that the Task
    polls on the GUI thread avoids every cross-thread Python-to-Qt call.
    """

    def __init__(self, job: Job, events: queue.SimpleQueue[tuple[str, Any]],
                 cancelled: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Task keeps it; Python owns its lifetime
        self._job = job
        self._events = events
        self._cancelled = cancelled

    def run(self) -> None:
        events = self._events
        ctx = JobContext(self._cancelled, lambda done, total: events.put(("progress",
                                                                          (done, total))))
        try:
            result = self._job(ctx)
        except BaseException as exc:  # every failure must reach the GUI, not the thread
            events.put(("failed", exc))
        else:
            events.put(("succeeded", result))


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

    POLL_MS = 30

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self._cancelled = threading.Event()
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._runner: _Runner | None = None
        self.running = False
        self.done = False

    def start(self, pool: QThreadPool) -> Task:
        self._cancelled.clear()
        self._runner = _Runner(self.job, self._events, self._cancelled)
        self.running = True
        self.done = False
        self._timer.start()
        pool.start(self._runner)
        return self

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _poll(self) -> None:
        progress: tuple[int, int] | None = None
        while True:
            try:
                kind, value = self._events.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                progress = value
                continue
            if progress is not None:
                self.progressed.emit(*progress)
                progress = None
            self._finish()
            if kind == "succeeded":
                self.succeeded.emit(value)
            else:
                self.failed.emit(value)
            self.ended.emit()
            return
        if progress is not None:
            self.progressed.emit(*progress)

    def _finish(self) -> None:
        self._timer.stop()
        self.running = False
        self.done = True
        self._runner = None


class TaskRunner(QObject):
    """A thread pool and the tasks running on it, so they can be cancelled and awaited."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def run(self, job: Job, *,
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
