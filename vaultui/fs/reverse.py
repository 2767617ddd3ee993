"""From a storage path back to its cleartext path ("decrypt file names"), without a full walk.

A content folder `d/XX/YYYY` is named by a hash of its directory's id, so it can only be
recognised by hashing known ids: first those already cached, then those found by
walking directories breadth-first (one listing and one batched dir.c9r read per
directory, files untouched) until one hashes to it. Every id met is cached.
"""

from __future__ import annotations

from collections import deque

from vaultui.crypto.constants import (
    DATA_DIR_NAME,
    DIR_ID_BACKUP_FILE_NAME,
    INFLATED_NAME_FILE_NAME,
    MAX_NAME_FILE_SIZE,
    ROOT_DIR_ID,
    SHORTENED_NAME_SUFFIX,
)
from vaultui.fs.conflicts import conflict_name
from vaultui.fs.nodes import PathMapper
from vaultui.fs.storage import join, read_small


def _relative(mapper: PathMapper, storage_path: str) -> list[str]:
    """The path's components below the vault root; ValueError if it is not below `d/`."""
    # A URL names the storage's own path; a plain path may also be relative to the root
    # (which the local filesystem's protocol stripping would make absolute).
    path = storage_path
    if "://" in path:
        path = str(mapper.fs._strip_protocol(path))
    path = path.rstrip("/")
    root = mapper.root.rstrip("/")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    parts = [p for p in path.split("/") if p]
    if len(parts) < 3 or parts[0] != DATA_DIR_NAME:
        raise ValueError(f"{storage_path!r} is not inside the vault's {DATA_DIR_NAME}/ folder")
    return parts


def directory_of_content(mapper: PathMapper, content: str) -> tuple[str, str]:
    """(cleartext path, directory id) of the directory whose content folder is `content`.

    FileNotFoundError if no directory of the vault has it (an orphan folder).
    """
    for path, dir_id in mapper.known_dir_ids():
        if mapper.content_dir(dir_id) == content:
            return path, dir_id
    queue = deque([("", ROOT_DIR_ID)])
    seen = {ROOT_DIR_ID}
    while queue:
        path, dir_id = queue.popleft()
        for child, child_id in mapper.subdirectories(dir_id, path):
            if child_id in seen:
                continue
            seen.add(child_id)
            mapper.remember_dir_id(child, child_id)
            if mapper.content_dir(child_id) == content:
                return child, child_id
            queue.append((child, child_id))
    raise FileNotFoundError(f"{content} belongs to no directory of the vault")


def cleartext_path(mapper: PathMapper, storage_path: str) -> str:
    """The cleartext path of any object below the vault's `d/` folder.

    A content folder and its dirid.c9r give their directory; a node or anything in
    it (dir.c9r, name.c9s, contents.c9r) gives the node's path. Costs nothing for
    directories already visited, and never reads a file's contents.
    """
    parts = _relative(mapper, storage_path)
    content = join(mapper.root, *parts[:3])
    directory, dir_id = directory_of_content(mapper, content)
    if len(parts) == 3 or parts[3] == DIR_ID_BACKUP_FILE_NAME:
        return directory
    head = parts[3]
    if head.startswith("."):
        raise FileNotFoundError(f"{storage_path!r} is a write in progress, not a vault item")
    full = head
    if head.endswith(SHORTENED_NAME_SUFFIX):
        full = read_small(mapper.fs, join(content, head, INFLATED_NAME_FILE_NAME),
                          MAX_NAME_FILE_SIZE, f"the name file of {storage_path!r}").decode(
            "utf-8", errors="replace").strip()
    name, suffix = mapper.decrypt_node_name(head, full, dir_id)
    if name is None:
        raise FileNotFoundError(f"{storage_path!r} does not decrypt to a name in {directory!r}")
    return join(directory, conflict_name(name, suffix) if suffix is not None else name)
