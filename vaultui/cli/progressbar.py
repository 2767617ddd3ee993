"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from vaultui.cli.termsafe import safe_name
from vaultui.tasks.progress import Progress


def human_size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class ProgressBar:
    """A ProgressCallback that redraws at most ten times a second; `close()` ends the line."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool | None = None,
                 interval: float = 0.1) -> None:
        self._stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self._interval = interval
        self._lock = threading.Lock()
        self._last = 0.0
        self._start = time.monotonic()
        self._drawn = False
        self._latest: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            self._latest = progress
            if now - self._last < self._interval:
                return
            self._last = now
            self._draw(progress, now)

    def _draw(self, p: Progress, now: float) -> None:
        elapsed = max(now - self._start, 1e-6)
        rate = human_size(p.bytes_done / elapsed) + "/s"
        total = f"/{human_size(p.bytes_total)}" if p.bytes_total else ""
        files = f"  {p.files_done}/{p.files_total} files" if p.files_total > 1 else ""
        text = f"{p.fraction * 100:5.1f}%  {human_size(p.bytes_done)}{total}  {rate}{files}"
        width = shutil.get_terminal_size((80, 20)).columns
        current = safe_name(p.current) if p.current else ""
        if current and len(text) + 3 < width:
            room = width - len(text) - 3
            name = current if len(current) <= room else "…" + current[-(room - 1):]
            text = f"{text}  {name}"
        self._stream.write("\r" + text[:width - 1].ljust(width - 1))
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._latest is not None:
                self._draw(self._latest, time.monotonic())
            if self._drawn:
                self._stream.write("\n")
                self._stream.flush()
