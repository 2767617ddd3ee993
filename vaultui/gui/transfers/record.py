"""One transfer as the app shows it: direction, status, progress, speed and time left."""

from __future__ import annotations

import enum
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultui.gui.core.worker import JobContext, Task


class Direction(enum.Enum):
    UPLOAD = "Encrypt in"
    DOWNLOAD = "Decrypt out"


class Status(enum.Enum):
    QUEUED = "Queued"
    RUNNING = "Running"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


_ids = itertools.count(1)


@dataclass(eq=False)
class Transfer:
    direction: Direction
    label: str
    source: str
    destination: str
    make_job: Callable[[], Callable[[JobContext], Any]]
    #: The vault this transfer belongs to: its queue, and what locking it cancels.
    vault: object = None
    #: False once the vault was locked: its key is gone, so the transfer cannot run again.
    retryable: bool = True
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
