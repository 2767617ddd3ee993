"""Folders named by two nodes at once: a folder move journals them so `rm` keeps shared content.

Moving a folder writes its node under the new name, then removes the old node. If the
removal fails (the storage went away, the process was killed), both names point at one
directory id: one folder shown twice. Removing either name with `rm -r` must not delete
the content the other still shows.

Before writing the new node, `mv` records both node paths in a hidden, encrypted
journal in the folder's own content folder (`d/XX/YYYY/.names.c9x`, see FORMAT.md), and
removes it once the old node is gone. `rm` looks for journals in every folder it is
about to delete (one batched read) and keeps a folder, with everything below it, while
a node outside the removed tree still names it.

Cost: a folder move makes three more small requests (read, write and remove the
journal); `rm -r` one batched read over the folders it removes. Aliases not made by our
`mv` (another program, a hand-edited vault) carry no journal: `verify` reports them,
`rm` cannot tell them from a plain folder.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

from vaultui.crypto.constants import DIR_FILE_NAME
from vaultui.crypto.errors import VaultError
from vaultui.fs.nodes import PathMapper
from vaultui.fs.storage import join, read_small, read_small_many, write_atomic

#: The journal's name in a content folder: hidden, so listings and Cryptomator skip it.
NAMES_JOURNAL = ".names.c9x"
#: A journal naming more nodes than this is not ours: ignored (a bounded read).
MAX_JOURNAL_SIZE = 64 * 1024


def journal_path(mapper: PathMapper, dir_id: str) -> str:
    return join(mapper.content_dir(dir_id), NAMES_JOURNAL)


def _relative(mapper: PathMapper, node_path: str) -> str:
    root = mapper.root.rstrip("/")
    return node_path[len(root) + 1:] if root and node_path.startswith(root + "/") else node_path


def _absolute(mapper: PathMapper, relative: str) -> str:
    return join(mapper.root, relative)


def _parse(mapper: PathMapper, data: bytes) -> list[str]:
    """The node paths a journal names; [] if it is not one of ours."""
    if len(data) > MAX_JOURNAL_SIZE:
        return []
    try:
        names = json.loads(mapper.cryptor.decrypt_file(data).decode("utf-8"))
    except (VaultError, ValueError):
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return []
    return [_absolute(mapper, n) for n in names if n and ".." not in n.split("/")]


def read_journal(mapper: PathMapper, dir_id: str) -> list[str]:
    try:
        data = read_small(mapper.fs, journal_path(mapper, dir_id), MAX_JOURNAL_SIZE,
                          "a move journal")
    except (FileNotFoundError, VaultError):  # absent, or too large to be one of ours
        return []
    return _parse(mapper, data)


def _write(mapper: PathMapper, dir_id: str, names: Iterable[str]) -> None:
    relative = sorted({_relative(mapper, n) for n in names})
    write_atomic(mapper.fs, journal_path(mapper, dir_id),
                 mapper.cryptor.encrypt_file(json.dumps(relative).encode("utf-8")))


def begin_move(mapper: PathMapper, dir_id: str, old_node: str, new_node: str) -> list[str]:
    """Record that `old_node` and `new_node` may both name `dir_id` from now on; the
    names the journal holds now."""
    names = sorted({*read_journal(mapper, dir_id), old_node, new_node})
    _write(mapper, dir_id, names)
    return names


def end_move(mapper: PathMapper, dir_id: str, names: list[str], old_node: str,
             new_node: str | None) -> None:
    """After a move: keep the journal only while two names are left. `new_node` is the
    name now holding the folder, its old node gone (None after a failure: every name
    is looked at)."""
    if new_node is None:
        settle(mapper, dir_id, names, None)
    else:
        settle(mapper, dir_id, [n for n in names if n != old_node], new_node)


def settle(mapper: PathMapper, dir_id: str, names: Iterable[str], keeper: str | None) -> None:
    """Rewrite the journal of `dir_id` to the names that still name it; drop it when at
    most one is left (best effort: a stale journal only costs `rm` a look)."""
    live = [n for n in set(names) if n == keeper or names_dir(mapper, n, dir_id)]
    with contextlib.suppress(FileNotFoundError):
        if len(live) <= 1:
            mapper.fs.rm_file(journal_path(mapper, dir_id))
        else:
            _write(mapper, dir_id, live)


def names_dir(mapper: PathMapper, node_path: str, dir_id: str) -> bool:
    """Whether the node at `node_path` exists and holds `dir_id` in its dir.c9r."""
    try:
        return mapper.read_dir_file(join(node_path, DIR_FILE_NAME), node_path) == dir_id
    except (FileNotFoundError, NotADirectoryError, VaultError):
        return False


def shared_elsewhere(mapper: PathMapper, dir_ids: list[str], removed_folders: set[str],
                     removed_node: str) -> dict[str, list[str]]:
    """Of the folders an `rm` is about to delete, those a node outside the removed tree
    still names: dir id -> the journal's names. One batched read of their journals.
    """
    paths = [journal_path(mapper, d) for d in dir_ids]
    raw = read_small_many(mapper.fs, paths, MAX_JOURNAL_SIZE, "a move journal")
    shared: dict[str, list[str]] = {}
    for dir_id, path in zip(dir_ids, paths, strict=True):
        data = raw.get(path)
        if isinstance(data, VaultError):
            continue  # too large to be one of ours, as _parse judges any other junk
        if isinstance(data, Exception) and not isinstance(data, FileNotFoundError):
            # Unread is not absent: removing on a guess could delete shared content.
            raise data
        if not isinstance(data, bytes):
            continue
        names = _parse(mapper, data)
        for name in names:
            parent = name.rpartition("/")[0]
            if name == removed_node or parent in removed_folders:
                continue  # goes with this rm as well
            if names_dir(mapper, name, dir_id):
                shared[dir_id] = names
                break
    return shared
