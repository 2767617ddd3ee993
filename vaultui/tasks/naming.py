"""Keep-both names, and what to do when a name is taken: replace, keep both or skip."""

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
    """'report.txt' -> 'report (2).txt' (or the next free number) when the name is taken.

    Drops that keep both items and edits saved back over a changed file use the same
    names, so a user meets one convention whichever way a second copy came about.
    """
    for number in itertools.count(2):
        candidate = conflict_name(name, f" ({number})")
        if candidate not in existing:
            return candidate
    raise AssertionError("unreachable")
