"""Ctrl-C as a cancel: the running job stops at its next block and cleans up after itself.

Python raises KeyboardInterrupt wherever the main thread happens to be, also inside a
storage client between sending a request and noting its answer: an S3 multipart upload
begun at that moment was known to nobody and never aborted. As a cancel, the job stops
between blocks, where every upload it began is known, and removes what it half-wrote.
A job that does not reach its next block within GRACE_S (waiting on a pipe that sends
nothing) is interrupted then, as is one whose user presses Ctrl-C again.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from vaultui.tasks.job import Job

#: Seconds a cancelled job has to reach its next block before it is interrupted.
GRACE_S = 5.0


@contextmanager
def cancel_on_interrupt(job: Job) -> Iterator[None]:
    """While the block runs, SIGINT cancels `job` (a second one raises KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if job.cancelled:
            raise KeyboardInterrupt
        job.cancel()
        signal.setitimer(signal.ITIMER_REAL, GRACE_S)

    def overdue(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    previous_alarm = signal.signal(signal.SIGALRM, overdue)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGINT, previous)
