"""The mapping between cleartext paths and the ciphertext nodes that store them.

A cleartext directory is known by its directory id; its children live flat in the
content folder `d/XX/YYYY…` named by that id. Each child is a node `X.c9r` (or `H.c9s`
when the encrypted name is too long): a file, or a folder holding `dir.c9r`
(a subdirectory's id) or `symlink.c9r`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from stat import S_ISDIR
from typing import Any

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.constants import (
    CONTENTS_FILE_NAME,
    DIR_FILE_NAME,
    DIR_ID_BACKUP_FILE_NAME,
    ENCRYPTED_NAME_SUFFIX,
    INFLATED_NAME_FILE_NAME,
    MAX_DIR_FILE_SIZE,
    ROOT_DIR_ID,
    SHORTENED_NAME_SUFFIX,
    SYMLINK_FILE_NAME,
)
from vaultui.crypto.cryptor import VaultCryptor
from vaultui.crypto.errors import FormatError, VaultError
from vaultui.crypto.names import normalize_name
from vaultui.crypto.sizes import LAYOUTS
from vaultui.crypto.vaultconfig import CipherCombo
from vaultui.fs.errors import VaultCorruptError
from vaultui.fs.storage import commits_on_close, is_local, join
from vaultui.fs.unreachable import is_unreachable

log = logging.getLogger(__name__)

#: Decrypted node names remembered per PathMapper (about 200 bytes each).
NAME_CACHE_SIZE = 200_000


class NodeKind(Enum):
    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"


def split_path(path: str) -> list[str]:
    """Cleartext path components, NFC-normalised; '' and '/' are the root."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    for p in parts:
        if p in (".", ".."):
            raise ValueError(f"relative path component {p!r} in {path!r}")
    return [normalize_name(p) for p in parts]


def norm_path(path: str) -> str:
    return "/".join(split_path(path))


def parent_path(path: str) -> str:
    return path.rpartition("/")[0]


@dataclass(frozen=True)
class Node:
    """Where one cleartext path lives on storage."""

    path: str  # cleartext, normalised, relative to the vault root
    parent_dir_id: str
    node_path: str  # storage path of the X.c9r / H.c9s entry
    full_name: str  # X.c9r (what name.c9s holds when shortened)

    @property
    def shortened(self) -> bool:
        return self.node_path.endswith(SHORTENED_NAME_SUFFIX)

    @property
    def contents_path(self) -> str:
        """Where a file's encrypted contents are."""
        return join(self.node_path, CONTENTS_FILE_NAME) if self.shortened else self.node_path

    @property
    def dir_file_path(self) -> str:
        return join(self.node_path, DIR_FILE_NAME)

    @property
    def symlink_path(self) -> str:
        return join(self.node_path, SYMLINK_FILE_NAME)

    @property
    def name_file_path(self) -> str:
        return join(self.node_path, INFLATED_NAME_FILE_NAME)


@dataclass(slots=True)
class Entry:
    """One child found by listing a content folder."""

    name: str
    kind: NodeKind
    node_path: str
    ciphertext_path: str  # what holds the data: the file, dir.c9r or symlink.c9r
    size: int | None  # cleartext bytes of a file (None if its size is impossible); 0 otherwise
    info: dict[str, Any] = field(default_factory=dict)  # the storage's info of ciphertext_path
    conflict_of: str | None = None  # the canonical cleartext name, for a sync conflict copy


class PathMapper:
    """Resolves cleartext paths to nodes, caching directory ids.

    Thread-safe: the GUI's workers resolve paths from several threads at once.
    """

    def __init__(self, fs: AbstractFileSystem, root: str, cryptor: VaultCryptor) -> None:
        self.fs = fs
        self.root = root
        self.cryptor = cryptor
        self._dir_ids: dict[str, str] = {"": ROOT_DIR_ID}
        # dir id -> stored name -> cleartext name, or (name, conflict_of) for conflict copies.
        # No lock: threads racing on it can only lose entries, and every value is a pure
        # function of its key.
        self._names: dict[str, dict[str, str | tuple[str | None, str | None]]] = {}
        self._name_count = 0
        self.cleartext_size = cleartext_sizer(cryptor.config.cipher_combo)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PathMapper(root={self.root!r})"

    # -- directory ids ------------------------------------------------------------

    def content_dir(self, dir_id: str) -> str:
        return join(self.root, self.cryptor.dir_path(dir_id))

    def node_for(self, parent_dir_id: str, name: str, path: str) -> Node:
        full = self.cryptor.full_encrypted_name(name, parent_dir_id)
        stored = self.cryptor.storage_name(name, parent_dir_id)
        return Node(path, parent_dir_id, join(self.content_dir(parent_dir_id), stored), full)

    def node(self, path: str) -> Node:
        """The node of a non-root cleartext path (its parent must exist)."""
        parts = split_path(path)
        if not parts:
            raise ValueError("the vault root has no node")
        parent = "/".join(parts[:-1])
        return self.node_for(self.dir_id(parent), parts[-1], "/".join(parts))

    def cached_dir_id(self, path: str) -> str | None:
        with self._lock:
            return self._dir_ids.get(path)

    def remember_dir_id(self, path: str, dir_id: str) -> None:
        with self._lock:
            self._dir_ids[path] = dir_id

    def forget(self, path: str) -> None:
        """Drop cached ids of `path` and everything below it (after rm or mv)."""
        prefix = path + "/"
        with self._lock:
            for key in [k for k in self._dir_ids if k == path or k.startswith(prefix)]:
                if key:
                    del self._dir_ids[key]

    def forget_all(self) -> None:
        with self._lock:
            self._dir_ids = {"": ROOT_DIR_ID}

    def read_dir_file(self, dir_file_path: str, path: str) -> str:
        """A subdirectory's id from its dir.c9r, checked for plausibility."""
        data = bytes(self.fs.cat_file(dir_file_path))
        if not data or len(data) > MAX_DIR_FILE_SIZE:
            raise VaultCorruptError(
                f"directory {path!r} is damaged: its dir.c9r holds {len(data)} bytes"
            )
        try:
            dir_id = data.decode("utf-8")
        except UnicodeDecodeError:
            raise VaultCorruptError(f"directory {path!r} is damaged: dir.c9r is not text") from None
        if len(data) > 36:
            raise VaultCorruptError(f"directory {path!r} is damaged: its id is too long")
        return dir_id

    def dir_id(self, path: str) -> str:
        """The id of the cleartext directory `path`.

        FileNotFoundError if it does not exist, NotADirectoryError if it is a file,
        VaultCorruptError if its node is damaged.
        """
        path = norm_path(path)
        cached = self.cached_dir_id(path)
        if cached is not None:
            return cached
        parts = path.split("/")
        current = ""
        dir_id = ROOT_DIR_ID
        for part in parts:
            child = f"{current}/{part}" if current else part
            known = self.cached_dir_id(child)
            if known is None:
                node = self.node_for(dir_id, part, child)
                known = self._resolve_child_dir(node)
                self.remember_dir_id(child, known)
            current, dir_id = child, known
        return dir_id

    def _resolve_child_dir(self, node: Node) -> str:
        try:
            return self.read_dir_file(node.dir_file_path, node.path)
        except FileNotFoundError:
            pass
        kind = self.kind(node)
        if kind is None:
            raise FileNotFoundError(f"no such directory in the vault: {node.path!r}")
        if kind is NodeKind.DIRECTORY:
            # It was there a moment ago; read again so a racing writer is not misreported.
            return self.read_dir_file(node.dir_file_path, node.path)
        raise NotADirectoryError(f"not a directory: {node.path!r}")

    def kind(self, node: Node) -> NodeKind | None:
        """What the node is, by looking at storage; None if it does not exist."""
        found = self.lookup(node)
        return found[0] if found is not None else None

    def lookup(self, node: Node) -> tuple[NodeKind, dict[str, Any]] | None:
        """What the node is and the storage's info of the object holding its data (the
        file, dir.c9r or symlink.c9r); None if it does not exist.

        One info call for a plain file; a node folder is listed once rather than probed
        member by member (each probe of a missing key costs an object store two requests).
        """
        fs = self.fs
        try:
            info = fs.info(node.node_path)
        except FileNotFoundError:
            return None
        if info["type"] != "directory":
            return (NodeKind.FILE, info) if not node.shortened else None
        try:
            listing = fs.ls(node.node_path, detail=True)
        except FileNotFoundError:
            return None  # removed in between
        members = {m["name"].rstrip("/").rpartition("/")[2]: m for m in listing}
        candidates = [(NodeKind.DIRECTORY, DIR_FILE_NAME), (NodeKind.SYMLINK, SYMLINK_FILE_NAME)]
        if node.shortened:
            candidates.append((NodeKind.FILE, CONTENTS_FILE_NAME))
        for kind, name in candidates:
            member = members.get(name)
            if member is not None and member["type"] == "file":
                return kind, member
        return None

    # -- listing ------------------------------------------------------------------

    def list_dir(self, path: str) -> list[Entry]:
        """Decrypted children of a cleartext directory: one recursive listing of its
        content folder, plus one read per shortened name."""
        path = norm_path(path)
        dir_id = self.dir_id(path)
        content = self.content_dir(dir_id)
        try:
            found = self._list_content(content)
        except FileNotFoundError:
            found = {}
        if not found and not self.fs.exists(content):
            raise VaultCorruptError(
                f"directory {path or '/'!r} is damaged: its content folder is missing"
            )
        # Runs once per stored object, so it allocates as little as it can: what the GC
        # tracks per entry makes big listings slow in processes with big heaps.
        tops: dict[str, dict[str, Any]] = {}  # node name -> its own info
        nested: dict[str, dict[str, dict[str, Any]]] = {}  # node folder -> member infos
        prefix = content.rstrip("/") + "/"
        cut = len(prefix)
        for full_path, info in found.items():
            if not full_path.startswith(prefix):
                continue
            head, _, tail = full_path[cut:].partition("/")
            if not head or head[0] == "." or head == DIR_ID_BACKUP_FILE_NAME:
                continue
            if not tail:
                tops[head] = info
            elif head in nested:
                nested[head][tail] = info
            else:
                nested[head] = {tail: info}
        shortened = [h for h, members in nested.items() if h.endswith(SHORTENED_NAME_SUFFIX)
                     and INFLATED_NAME_FILE_NAME in members]
        long_names: dict[str, str] = {}
        if shortened:
            paths = [join(content, h, INFLATED_NAME_FILE_NAME) for h in shortened]
            raw = self.fs.cat(paths, on_error="return")
            for h, p in zip(shortened, paths, strict=True):
                value = raw.get(p)
                if isinstance(value, bytes):
                    long_names[h] = value.decode("utf-8", errors="replace").strip()
                elif isinstance(value, Exception) and is_unreachable(value):
                    # Not a damaged node to skip: the listing cannot be completed.
                    raise value
        entries: list[Entry] = []
        no_members: dict[str, dict[str, Any]] = {}
        for head in tops.keys() | nested.keys():
            entry = self._entry(dir_id, content, head, tops.get(head),
                                nested.get(head, no_members), long_names.get(head))
            if entry is not None:
                entries.append(entry)
        return entries

    def _list_content(self, content: str) -> dict[str, dict[str, Any]]:
        """Storage info of everything in a content folder and its node folders, by path."""
        fs = self.fs
        if is_local(fs):
            return scan_local(content)
        if commits_on_close(fs):
            # Object stores list a whole prefix in one (paged) request.
            found: dict[str, dict[str, Any]] = fs.find(content, detail=True, withdirs=True)
            return found
        # Real folders: node folders never nest, so one level below the content folder is
        # all there is; plain ls calls skip the bookkeeping of fsspec's generic walk.
        found = {}
        for info in fs.ls(content, detail=True):
            found[info["name"]] = info
            if info["type"] == "directory":
                for member in fs.ls(info["name"], detail=True):
                    found[member["name"]] = member
        return found

    def _entry(self, dir_id: str, content: str, head: str, top: dict[str, Any] | None,
               members: dict[str, dict[str, Any]], long_name: str | None) -> Entry | None:
        node_path = f"{content}/{head}"
        if head.endswith(SHORTENED_NAME_SUFFIX):
            if long_name is None:
                log.warning("skipping shortened node without name.c9s in %s", content)
                return None
            full = long_name
            data_file = CONTENTS_FILE_NAME
        elif head.endswith(ENCRYPTED_NAME_SUFFIX):
            full = head
            data_file = ""
        else:
            return None
        if top is not None and top["type"] == "file":
            kind, data_path, info = NodeKind.FILE, node_path, top
        elif DIR_FILE_NAME in members:
            kind, data_path, info = NodeKind.DIRECTORY, join(node_path, DIR_FILE_NAME), members[
                DIR_FILE_NAME]
        elif SYMLINK_FILE_NAME in members:
            kind, data_path, info = NodeKind.SYMLINK, join(node_path, SYMLINK_FILE_NAME), members[
                SYMLINK_FILE_NAME]
        elif data_file and data_file in members:
            kind, data_path, info = NodeKind.FILE, join(node_path, data_file), members[data_file]
        else:
            return None  # an empty node folder (e.g. a half-synced directory): nothing to show
        name, conflict_of = self._cached_node_name(full, dir_id)
        if name is None:
            log.warning("skipping a node whose name does not decrypt in %s", content)
            return None
        size: int | None = 0
        if kind is NodeKind.FILE:
            size = self.cleartext_size(int(info.get("size") or 0))
        return Entry(name=name, kind=kind, node_path=node_path, ciphertext_path=data_path,
                     size=size, info=info, conflict_of=conflict_of)

    def _cached_node_name(self, full: str, dir_id: str) -> tuple[str | None, str | None]:
        """_decrypt_node_name, remembered: the same stored name in the same directory
        always decrypts to the same cleartext, so listing a folder again costs no AES."""
        names = self._names.get(dir_id)
        if names is None:
            names = self._names[dir_id] = {}
        known = names.get(full)
        if known is None:
            name, conflict_of = self._decrypt_node_name(full, dir_id)
            # A plain name is kept as the string alone: no tuple per entry for the GC.
            known = name if name is not None and conflict_of is None else (name, conflict_of)
            if self._name_count >= NAME_CACHE_SIZE:
                self.forget_names()  # crude but bounded; a clear costs one cold listing
                names = self._names[dir_id] = {}
            names[full] = known
            self._name_count += 1
        return (known, None) if isinstance(known, str) else known

    def forget_names(self) -> None:
        """Drop the remembered decrypted names (the next listings decrypt them again)."""
        self._names = {}
        self._name_count = 0

    def _decrypt_node_name(self, full: str, dir_id: str) -> tuple[str | None, str | None]:
        """The cleartext name, and for a sync-conflict copy the name it conflicts with."""
        if not full.endswith(ENCRYPTED_NAME_SUFFIX):
            return None, None
        stem = full[: -len(ENCRYPTED_NAME_SUFFIX)]
        try:
            return self.cryptor.names.decrypt_name(stem, dir_id), None
        except VaultError:
            pass
        # A cloud's conflict copy: a valid encrypted name followed by a suffix such as
        # " (1)" or " (Created by Alice)". Find the longest prefix that decrypts.
        for length in range(len(stem) - len(stem) % 4, 23, -4):
            candidate, suffix = stem[:length], stem[length:]
            if not suffix:
                continue
            try:
                original = self.cryptor.names.decrypt_name(candidate, dir_id)
            except (VaultError, FormatError):
                continue
            return conflict_name(original, suffix), original
        return None, None


def scan_local(content: str) -> dict[str, dict[str, Any]]:
    """What LocalFileSystem.ls would report for a content folder and its node folders
    (name, type, size, mtime, created), read with os.scandir directly: fsspec's info()
    per entry costs more than listing and decrypting the entry together."""
    found: dict[str, dict[str, Any]] = {}
    folders = [(content, True)]
    while folders:
        folder, is_content = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    st = entry.stat()  # follows symlinks, as LocalFileSystem.info does
                except OSError:
                    continue  # a dangling symlink: no node of ours
                path = f"{folder}/{entry.name}"
                is_dir = S_ISDIR(st.st_mode)
                found[path] = {"name": path, "size": st.st_size,
                               "type": "directory" if is_dir else "file",
                               "mtime": st.st_mtime, "created": st.st_ctime}
                if is_dir and is_content:
                    folders.append((path, False))  # node folders never nest
    return found


def cleartext_sizer(combo: CipherCombo) -> Callable[[int], int | None]:
    """crypto.sizes.cleartext_size for one combo, None for impossible sizes, with the
    layout looked up once: listings call it for every file."""
    layout = LAYOUTS[combo]
    header, step = layout.header_size, layout.ciphertext_chunk_size
    overhead, payload = layout.chunk_overhead, layout.payload_size

    def size(ciphertext: int) -> int | None:
        if ciphertext < header:
            return None
        full, rest = divmod(ciphertext - header, step)
        if not rest:
            return full * payload
        # Writers never emit an empty chunk, so a tail of at most the overhead is impossible.
        return full * payload + rest - overhead if rest > overhead else None

    return size


def conflict_name(original: str, suffix: str) -> str:
    """'report.txt' + ' (1)' -> 'report (1).txt': the suffix goes before the extension."""
    stem, dot, ext = original.rpartition(".")
    if not dot or not stem:
        return original + suffix
    return f"{stem}{suffix}.{ext}"
