"""Turning vault names into local file names: which cannot be one, and distinct names for twins.

A vault name is whatever another client encrypted: it may be `..`, hold a `/`, a `\\` or
a NUL, or be longer than the local filesystem allows. And two entries of one folder may
differ only in their Unicode form (NFC `é` and NFD `e` + accent), which most desktop
filesystems (APFS, NTFS via the OS) take for one name, so one export would overwrite
the other. Both are told here, so every front end says the same.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence

from vaultui.fs.conflicts import conflict_name

#: When the local limit cannot be asked (no pathconf, as on Windows): the common one.
DEFAULT_NAME_MAX = 255


def name_max(folder: str) -> int:
    """The longest file name, in bytes, the filesystem holding `folder` accepts.

    `folder` need not exist yet: its nearest existing parent is asked.
    """
    probe = os.path.abspath(folder)
    while not os.path.isdir(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    try:
        limit = os.pathconf(probe, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):
        return DEFAULT_NAME_MAX
    return limit if limit > 0 else DEFAULT_NAME_MAX


def vault_name_problem(name: str) -> str | None:
    """Why `name` cannot be an entry's name in any vault, or None.

    No correct writer stores these: an empty name, `.` or `..`, a `/` or NUL in it.
    Listed, they point outside their folder or at another entry.
    """
    if not name:
        return "an empty name"
    if name in (".", ".."):
        return f"{name!r} cannot be a file name"
    if "/" in name:
        return "the name contains '/'"
    if "\x00" in name:
        return "the name contains a NUL character"
    return None


def local_name_problem(name: str, name_max: int = DEFAULT_NAME_MAX) -> str | None:
    """Why `name` cannot be a local file name, or None.

    Beyond vault_name_problem: a backslash (a path separator on Windows, and in the
    paths vaultui is given) and a name longer than `name_max` UTF-8 bytes.
    """
    problem = vault_name_problem(name)
    if problem is not None:
        return f"cannot be a local file name: {problem}"
    if "\\" in name:
        return "cannot be a local file name: the name contains '\\'"
    size = len(name.encode("utf-8", errors="surrogatepass"))
    if size > name_max:
        return (f"cannot be a local file name: the name is {size} bytes long, more than "
                f"the {name_max} a local file name may have")
    return None


def unusable_name(name: str, max_bytes: int) -> str | None:
    """Why `name` cannot be a local file name where names have at most `max_bytes`, or None."""
    return local_name_problem(name, max_bytes)


def _form_key(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def distinct_names(names: Sequence[str]) -> list[str]:
    """For the names of one folder's entries, the local name of each: its own, or where
    another entry's name in another Unicode form (or the very same name) takes it,
    `name (2).ext`, `name (3).ext`… that no other entry has.

    The name already in NFC (what most clients write) keeps its own; of the others the
    first in sorted order does when no NFC spelling is there.
    """
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        groups.setdefault(_form_key(name), []).append(index)
    taken = set(groups)
    local = list(names)
    for key, group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda i: (names[i] != key, names[i], i))
        for index in group[1:]:
            number = 2
            while True:
                candidate = conflict_name(names[index], f" ({number})")
                if _form_key(candidate) not in taken:
                    break
                number += 1
            taken.add(_form_key(candidate))
            local[index] = candidate
    return local
