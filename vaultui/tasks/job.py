"""What every job shares: a cancel flag, progress reporting and a pool of workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from vaultui.crypto.errors import CancelledError
from vaultui.tasks.progress import ProgressCallback, ProgressCounter

T = TypeVar("T")

#: Bytes moved per read/write step; cancelling takes effect within one step.
BLOCK_SIZE = 1024 * 1024


class Job:
    """A unit of background work: plain Python, no Qt, runs on whatever thread calls `run`.

    `cancel` (a threading.Event, shared or the job's own) is polled between blocks; once set,
    `run` raises CancelledError after removing what it had half-written. `progress` gets a
    Progress after every block. `workers` transfers run at once.
    """

    def __init__(self, *, progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("a job needs at least one worker")
        self.cancel_event = cancel if cancel is not None else threading.Event()
        self.workers = workers
        self._progress_callback = progress
        self.counter = ProgressCounter(progress)
        self._failed = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop; `run` raises CancelledError soon after."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        """Raise CancelledError if the job was cancelled or another worker failed."""
        if self.cancel_event.is_set() or self._failed.is_set():
            raise CancelledError()

    def start_counting(self, files_total: int, bytes_total: int) -> None:
        self.counter = ProgressCounter(self._progress_callback, files_total, bytes_total)
        self.counter.add_bytes(0)

    def run_all(self, items: Iterable[T], work: Callable[[T], None]) -> None:
        """Run `work` on every item with the job's workers; the first error stops the rest.

        When one item fails, the others stop at their next block (cleaning up after
        themselves) and the first error is raised; a user's cancel raises CancelledError.
        """
        self._failed.clear()
        todo = list(items)
        if self.workers == 1 or len(todo) <= 1:
            for item in todo:
                self.check_cancelled()
                work(item)
            return

        def guarded(item: T) -> None:
            self.check_cancelled()
            try:
                work(item)
            except BaseException:
                self._failed.set()
                raise

        with ThreadPoolExecutor(max_workers=self.workers,
                                thread_name_prefix=type(self).__name__) as pool:
            futures: list[Future[None]] = [pool.submit(guarded, item) for item in todo]
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
            except BaseException:
                # Ctrl-C lands here, in the waiting thread: stop the workers at their next
                # block (they clean up after themselves) instead of letting them finish.
                self._failed.set()
                raise
            finally:
                for future in futures:
                    future.cancel()
                wait(futures)
        errors = [e for f in futures if not f.cancelled() and (e := f.exception()) is not None]
        real = [e for e in errors if not isinstance(e, CancelledError)]
        if real:
            raise real[0]
        if errors or self.cancel_event.is_set():
            raise CancelledError()
