"""Progress of a job: files and bytes done of how many, reported through a callback."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """A snapshot of a job's progress; totals are known once the job has been prepared."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: str = ""

    @property
    def fraction(self) -> float:
        """0.0 to 1.0, by bytes (by files when there are no bytes to move)."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files_total:
            return min(1.0, self.files_done / self.files_total)
        return 1.0


#: Called with every change. Jobs with several workers call it from their worker threads:
#: a GUI hands it on to its own thread, a CLI throttles what it draws.
ProgressCallback = Callable[[Progress], None]


class ProgressCounter:
    """Counters shared by a job's workers; every change is reported to the callback."""

    def __init__(self, callback: ProgressCallback | None, files_total: int = 0,
                 bytes_total: int = 0) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._files_total = files_total
        self._bytes_total = bytes_total
        self._files = 0
        self._bytes = 0

    def snapshot(self, current: str = "") -> Progress:
        with self._lock:
            return Progress(self._files, self._files_total, self._bytes, self._bytes_total,
                            current)

    def _report(self, current: str) -> None:
        if self._callback is not None:
            self._callback(self.snapshot(current))

    def add_bytes(self, count: int, current: str = "") -> None:
        with self._lock:
            self._bytes += count
        self._report(current)

    def file_done(self, current: str = "") -> None:
        with self._lock:
            self._files += 1
        self._report(current)

    @property
    def files_done(self) -> int:
        with self._lock:
            return self._files

    @property
    def bytes_done(self) -> int:
        with self._lock:
            return self._bytes
