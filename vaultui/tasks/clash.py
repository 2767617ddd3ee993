"""What to do when a transfer's target name is taken, and the name "keep both" gives."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Container

from vaultui.fs.conflicts import conflict_name


class Clash(enum.Enum):
    """What to do when the destination already has an item of that name."""

    REPLACE = "replace"
    KEEP_BOTH = "keep both"
    SKIP = "skip"


def keep_both_name(name: str, existing: Container[str]) -> str:
    """`name (2).ext`, `name (3).ext`…: the first such name not in `existing`."""
    for number in itertools.count(2):
        candidate = conflict_name(name, f" ({number})")
        if candidate not in existing:
            return candidate
    raise AssertionError("unreachable")
