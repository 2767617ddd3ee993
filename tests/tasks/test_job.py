"""Job.run_all: workers, first error wins, cancel."""

from __future__ import annotations

import threading
import time

import pytest

from vaultui.crypto.errors import CancelledError
from vaultui.tasks.job import Job


def test_run_all_runs_everything_in_parallel() -> None:
    seen: set[int] = set()
    lock = threading.Lock()
    # The first four items meet here: they can only pass it if four workers run at once.
    all_running = threading.Barrier(4, timeout=10)

    def work(i: int) -> None:
        if i < 4:
            all_running.wait()
        with lock:
            seen.add(i)

    Job(workers=4).run_all(range(20), work)
    assert seen == set(range(20))


def test_first_error_is_raised_and_the_rest_stop() -> None:
    started: list[int] = []
    kept_going: list[int] = []
    raised = threading.Event()
    job = Job(workers=2)

    def work(i: int) -> None:
        started.append(i)
        if i == 1:
            raised.set()
            raise ValueError("boom")
        # Runs until the job tells it to stop, which it must do soon after the error.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job.check_cancelled()
            raised.wait(0.01)
        kept_going.append(i)

    with pytest.raises(ValueError, match="boom"):
        job.run_all(range(100), work)
    assert kept_going == []
    assert len(started) < 100


def test_cancel_raises_cancelled() -> None:
    job = Job(workers=3)

    def work(i: int) -> None:
        if i == 2:
            job.cancel()
        job.check_cancelled()

    with pytest.raises(CancelledError):
        job.run_all(range(10), work)


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Job(workers=0)
