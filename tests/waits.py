"""Waiting on a condition in tests without Qt: what qtbot.waitUntil is for Qt tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL_SECONDS = 0.01


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> bool:
    """Whether `condition` became true within `timeout` seconds, checked every 10 ms.

    For states a test can only look at (a file appearing, a process getting somewhere);
    where the code under test can signal, wait on that instead.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: a wait that cannot be cut short by a signal
    while not condition():
        if time.monotonic() >= deadline:
            return False
        pause.wait(POLL_SECONDS)
    return True
