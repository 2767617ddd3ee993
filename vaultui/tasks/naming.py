"""Keep-both names: the name a second item gets when its name is taken in a folder."""

from __future__ import annotations

import itertools
import posixpath


def keep_both_name(name: str, existing: set[str]) -> str:
    """'report.txt' -> 'report (2).txt' (or the next free number) when the name is taken.

    Drops that keep both items and edits saved back over a changed file use the same
    names, so a user meets one convention whichever way a second copy came about.
    """
    stem, ext = posixpath.splitext(name)
    for n in itertools.count(2):
        candidate = f"{stem} ({n}){ext}"
        if candidate not in existing:
            return candidate
    raise AssertionError("unreachable")
