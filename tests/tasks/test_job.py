"""Job.run_all: workers, first error wins, cancel."""

from __future__ import annotations

import threading
import time

import pytest

from vaultui.crypto.stream import CancelledError
from vaultui.tasks.job import Job


def test_run_all_runs_everything_in_parallel() -> None:
    seen: set[int] = set()
    threads: set[str] = set()
    lock = threading.Lock()

    def work(i: int) -> None:
        time.sleep(0.01)
        with lock:
            seen.add(i)
            threads.add(threading.current_thread().name)

    Job(workers=4).run_all(range(20), work)
    assert seen == set(range(20))
    assert len(threads) > 1


def test_first_error_is_raised_and_the_rest_stop() -> None:
    started: list[int] = []
    job = Job(workers=2)

    def work(i: int) -> None:
        started.append(i)
        if i == 1:
            raise ValueError("boom")
        for _ in range(50):
            job.check_cancelled()
            time.sleep(0.01)

    with pytest.raises(ValueError, match="boom"):
        job.run_all(range(100), work)
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
