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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from stat import S_ISDIR
from typing import Any, NamedTuple

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import (
    CONTENTS_FILE_NAME,
    DIR_FILE_NAME,
    DIR_ID_BACKUP_FILE_NAME,
    ENCRYPTED_NAME_SUFFIX,
    INFLATED_NAME_FILE_NAME,
    MAX_DIR_FILE_SIZE,
    MAX_NAME_FILE_SIZE,
    MAX_SYMLINK_TARGET_LENGTH,
    ROOT_DIR_ID,
    SHORTENED_NAME_SUFFIX,
    SYMLINK_FILE_NAME,
)
from vaultui.crypto.cryptor import VaultCryptor
from vaultui.crypto.errors import AuthenticationError, VaultError
from vaultui.crypto.names import normalize_name, shortened_name
from vaultui.crypto.sizes import LAYOUTS, ciphertext_size
from vaultui.fs.conflicts import conflict_name, split_conflict
from vaultui.fs.errors import VaultCorruptError
from vaultui.fs.storage import commits_on_close, is_local, join, read_small, read_small_many
from vaultui.fs.unreachable import is_unreachable

log = logging.getLogger(__name__)

#: Decrypted node names remembered per PathMapper (about 200 bytes each).
NAME_CACHE_SIZE = 200_000


class _NoDataFileError(Exception):
    """A X.c9r node folder without dir.c9r or symlink.c9r: damaged, or half-made."""


class NodeKind(Enum):
    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"


def split_path(path: str) -> list[str]:
    """Cleartext path components as given; '' and '/' are the root.

    Not normalised: a folder may hold one name in two Unicode forms (NFC and NFD, from
    different clients), and each is addressed exactly. A name typed in another form than
    the stored one still finds it (see PathMapper.node).
    """
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    for p in parts:
        if p in (".", ".."):
            raise ValueError(f"relative path component {p!r} in {path!r}")
    return parts


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
    conflict_suffix: str | None = None  # what the sync client added to the encrypted name
    full_name: str = ""  # the encrypted name X.c9r (what name.c9s holds if shortened)


#: A node found by listing: its name on storage, its full encrypted name (X.c9r, what
#: name.c9s holds if shortened), its kind, its storage path, the storage path of the
#: object holding its data (the file, dir.c9r or symlink.c9r) and that object's info.
StoredNode = tuple[str, str, NodeKind, str, str, dict[str, Any]]


class Skipped(NamedTuple):
    """A stored node a listing cannot show, and why (no cleartext name: it has none)."""

    node_path: str
    reason: str
    #: True for damage (data that cannot be reached); False for a write in progress or
    #: left by an interrupted one, which holds no data yet.
    damaged: bool = True


class Listing:
    """A directory's children: plain files as parallel columns, other nodes as Entries."""

    __slots__ = ("infos", "names", "node_paths", "others", "sizes", "skipped")

    def __init__(self) -> None:
        self.names: list[str] = []  # cleartext names of the plain files
        self.node_paths: list[str] = []  # their X.c9r objects (node and data alike)
        self.sizes: list[int | None] = []  # their cleartext sizes (None: impossible)
        self.infos: list[dict[str, Any]] = []  # the storage's info of each object
        self.others: list[Entry] = []  # directories, links, shortened names, conflicts
        self.skipped: list[Skipped] = []  # nodes that show nothing: undecryptable, half-made


class Scan(NamedTuple):
    """A content folder's listing grouped by node: the storage info of each node itself
    (a plain file, or a node folder), and of the members of each node folder."""

    tops: dict[str, dict[str, Any]]
    nested: dict[str, dict[str, dict[str, Any]]]

    def heads(self) -> list[str]:
        return [*self.tops, *(h for h in self.nested if h not in self.tops)]

    def has(self, head: str) -> bool:
        return head in self.tops or head in self.nested


class PathMapper:
    """Resolves cleartext paths to nodes, caching directory ids.

    Thread-safe: the GUI's workers resolve paths from several threads at once.
    `write_lock` is held by whoever changes nodes (mkdir, mv, rm): a reader that
    finds a node half-made waits for it before calling it damaged.
    """

    def __init__(self, fs: AbstractFileSystem, root: str, cryptor: VaultCryptor) -> None:
        self.fs = fs
        self.root = root
        self.cryptor = cryptor
        self._dir_ids: dict[str, str] = {"": ROOT_DIR_ID}
        # Conflict copies last listed and left unresolved, by the name they are shown
        # under (which does not encrypt to their node): so they can be read, moved
        # or removed by that name.
        self._conflict_nodes: dict[str, Node] = {}
        self._content_dirs: dict[str, str] = {}
        # Nodes another writer stored under a name not in NFC (pycryptomator encrypts
        # names as it is given them): cleartext path -> (parent dir id, node path, full
        # encrypted name). And the directories already listed to find such nodes.
        self._unnormalised: dict[str, tuple[str, str, str]] = {}
        self._scanned: set[str] = set()
        self.cleartext_size = cleartext_sizer(cryptor.config.cipher_combo)
        self.max_symlink_file_size = max_symlink_file_size(cryptor.config.cipher_combo)
        # dir id -> (stored name, full name) -> (cleartext name, conflict suffix). No lock:
        # racing threads can only lose entries, and every value is a pure function of its
        # key (the same stored name in the same directory always decrypts the same).
        self._names: dict[str, dict[tuple[str, str], tuple[str | None, str | None]]] = {}
        # The same for plain X.c9r nodes, the bulk of big folders: stored name -> name.
        self._plain: dict[str, dict[str, str]] = {}
        self._name_count = 0
        self._lock = threading.Lock()
        self.write_lock = threading.RLock()
        #: Called on each sync-conflict copy a listing finds (see resolver.py); None
        #: leaves them shown under their conflict names.
        self.resolver: Callable[[str, str, Entry], Entry | None] | None = None

    def __repr__(self) -> str:
        return f"PathMapper(root={self.root!r})"

    # -- directory ids ------------------------------------------------------------

    def content_dir(self, dir_id: str) -> str:
        """Storage path of a directory's content folder (memoised: ids never change)."""
        content = self._content_dirs.get(dir_id)
        if content is None:
            content = join(self.root, self.cryptor.dir_path(dir_id))
            with self._lock:
                self._content_dirs[dir_id] = content
        return content

    def node_for(self, parent_dir_id: str, name: str, path: str) -> Node:
        with self._lock:
            known = self._unnormalised.get(path)
        if known is not None and known[0] == parent_dir_id:
            return Node(path, *known)
        full = self.cryptor.full_encrypted_name(name, parent_dir_id, as_given=True)
        stored = self.cryptor.storage_name(name, parent_dir_id, as_given=True)
        return Node(path, parent_dir_id, join(self.content_dir(parent_dir_id), stored), full)

    def node(self, path: str) -> Node:
        """The node of a non-root cleartext path (its parent must exist)."""
        parts = split_path(path)
        if not parts:
            raise ValueError("the vault root has no node")
        path = "/".join(parts)
        with self._lock:
            conflict = self._conflict_nodes.get(path)
        if conflict is not None:
            return conflict
        parent = "/".join(parts[:-1])
        return self.child_node(self.dir_id(parent), parent, parts[-1])

    def child_node(self, parent_dir_id: str, parent: str, name: str) -> Node:
        """The node of `name` in the directory `parent` (whose id is `parent_dir_id`).

        The entry stored under exactly that name if there is one; else the one whose
        name differs only in Unicode form (Cryptomator stores NFC; other writers may
        not); else where a new entry goes, under the NFC name. Costs no storage request
        for an ASCII name.
        """
        node = self.node_for(parent_dir_id, name, f"{parent}/{name}" if parent else name)
        if name.isascii():
            return node
        other = self._other_form(node)
        if other is not None:
            if self.kind(node) is not None:
                return node
            node = other
        if self._may_be_unnormalised(parent_dir_id, node) and self.kind(node) is None:
            node = self._find_unnormalised(parent, node)
        return node

    def _other_form(self, node: Node) -> Node | None:
        """The node of the NFC form of `node`'s name, if that name is not in NFC."""
        parent, _, name = node.path.rpartition("/")
        nfc = normalize_name(name)
        if nfc == name:
            return None
        return self.node_for(node.parent_dir_id, nfc, f"{parent}/{nfc}" if parent else nfc)

    def _may_be_unnormalised(self, parent_dir_id: str, node: Node) -> bool:
        """Whether `node` might exist under another Unicode form of its name, unlisted yet.

        Only non-ASCII names can: for the rest no storage request is ever added.
        """
        with self._lock:
            scanned = parent_dir_id in self._scanned
        return not scanned and not node.path.rpartition("/")[2].isascii()

    def _find_unnormalised(self, parent: str, node: Node) -> Node:
        """`node` as stored under a name not in NFC, if it is: listing the parent learns it."""
        try:
            self.list_dir(parent)
        except VaultCorruptError:
            # A lookup in a damaged folder answers as before: not found. Listing it says why.
            return node
        return self.node_for(node.parent_dir_id, node.path.rpartition("/")[2], node.path)

    def cached_dir_id(self, path: str) -> str | None:
        with self._lock:
            return self._dir_ids.get(path)

    def known_dir_ids(self) -> list[tuple[str, str]]:
        """(path, id) of every directory whose id is cached."""
        with self._lock:
            return list(self._dir_ids.items())

    def remember_dir_id(self, path: str, dir_id: str) -> None:
        with self._lock:
            self._dir_ids[path] = dir_id

    def forget(self, path: str) -> None:
        """Drop cached ids of `path` and everything below it (after rm or mv), in every
        Unicode form: a path typed in another form may have been cached for the same node."""
        path = normalize_name(path)
        prefix = path + "/"

        def below(key: str) -> bool:
            key = normalize_name(key)
            return key == path or key.startswith(prefix)

        with self._lock:
            for key in [k for k in self._dir_ids if below(k)]:
                if key:
                    del self._dir_ids[key]
            for key in [k for k in self._conflict_nodes if below(k)]:
                del self._conflict_nodes[key]
            for key in [k for k in self._unnormalised if below(k)]:
                del self._unnormalised[key]

    def forget_all(self) -> None:
        with self._lock:
            self._dir_ids = {"": ROOT_DIR_ID}
            self._conflict_nodes = {}
            self._unnormalised.clear()
            self._scanned.clear()

    def read_dir_file(self, dir_file_path: str, path: str) -> str:
        """A subdirectory's id from its dir.c9r, checked for plausibility."""
        return self._parse_dir_file(
            read_small(self.fs, dir_file_path, MAX_DIR_FILE_SIZE, f"directory {path!r}"), path)

    def read_symlink_file(self, node: Node) -> bytes:
        """A symlink node's symlink.c9r (still encrypted), refused beyond any target's size."""
        return read_small(self.fs, node.symlink_path, self.max_symlink_file_size,
                          f"symbolic link {node.path!r}")

    def _parse_dir_file(self, data: bytes, path: str) -> str:
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
        above = {ROOT_DIR_ID}
        for part in parts:
            child = f"{current}/{part}" if current else part
            known = self.cached_dir_id(child)
            if known is None:
                with self._lock:
                    conflict = self._conflict_nodes.get(child)
                node = conflict or self.node_for(dir_id, part, child)
                known = self._resolve_child_dir(node)
                if known in above:
                    # Following it would list the same folder forever (walk, find, rm).
                    raise VaultCorruptError(
                        f"directory {child!r} is damaged: its dir.c9r names a directory "
                        "that contains it")
                self.remember_dir_id(child, known)
            above.add(known)
            current, dir_id = child, known
        return dir_id

    def _resolve_child_dir(self, node: Node) -> str:
        try:
            return self.read_dir_file(node.dir_file_path, node.path)
        except FileNotFoundError:
            pass
        kind = self.kind(node)
        if kind is None:
            other = self._other_form(node)
            if other is not None:
                return self._resolve_child_dir(other)
        if kind is None and self._may_be_unnormalised(node.parent_dir_id, node):
            stored = self._find_unnormalised(parent_path(node.path), node)
            if stored != node:
                return self._resolve_child_dir(stored)
        if kind is None:
            raise FileNotFoundError(f"no such directory in the vault: {node.path!r}")
        if kind is NodeKind.DIRECTORY:
            # It was there a moment ago; read again so a racing writer is not misreported.
            return self.read_dir_file(node.dir_file_path, node.path)
        raise NotADirectoryError(f"not a directory: {node.path!r}")

    def kind(self, node: Node) -> NodeKind | None:
        """What the node is, by looking at storage; None if it does not exist.

        VaultCorruptError for a X.c9r folder holding neither dir.c9r nor symlink.c9r.
        (A H.c9s folder without its data is a shortened file still being written.)
        """
        found = self.stat(node)
        return None if found is None else found[0]

    def stat(self, node: Node) -> tuple[NodeKind, dict[str, Any]] | None:
        """What the node is and the storage's info of the object holding its data (the
        file's ciphertext, dir.c9r or symlink.c9r); None if it does not exist.

        One storage call for a plain file, two for a directory.
        """
        try:
            return self._stat(node)
        except _NoDataFileError:
            pass
        # Maybe a mkdir in this process is half-way: wait for it and look again.
        with self.write_lock:
            try:
                return self._stat(node)
            except _NoDataFileError:
                raise VaultCorruptError(
                    f"directory {node.path!r} is damaged: its node folder holds no dir.c9r "
                    "(nor symlink.c9r)") from None

    def _stat(self, node: Node) -> tuple[NodeKind, dict[str, Any]] | None:
        fs = self.fs
        try:
            info = fs.info(node.node_path)
        except FileNotFoundError:
            return None
        if info["type"] != "directory":
            return (NodeKind.FILE, info) if not node.shortened else None
        candidates = [(NodeKind.DIRECTORY, DIR_FILE_NAME), (NodeKind.SYMLINK, SYMLINK_FILE_NAME)]
        if node.shortened:
            candidates.append((NodeKind.FILE, CONTENTS_FILE_NAME))
        if commits_on_close(fs):
            # On an object store one listing of the node folder beats probing: each probe
            # of a missing key costs two requests.
            try:
                listing = fs.ls(node.node_path, detail=True)
            except FileNotFoundError:
                return None  # removed in between
            found = {m["name"].rstrip("/").rpartition("/")[2]: m for m in listing}
            for kind, name in candidates:
                member = found.get(name)
                if member is not None and member["type"] == "file":
                    return kind, member
        else:
            for kind, name in candidates:
                try:
                    return kind, fs.info(join(node.node_path, name))
                except FileNotFoundError:
                    continue
        if node.shortened:
            return None
        raise _NoDataFileError()

    # -- listing ------------------------------------------------------------------

    def list_dir(self, path: str) -> list[Entry]:
        """Decrypted children of a cleartext directory: one recursive listing of its
        content folder, plus one read per shortened name."""
        path = norm_path(path)
        return self.list_dir_id(self.dir_id(path), path)

    def list_dir_id(self, dir_id: str, path: str) -> list[Entry]:
        """Decrypted children of the directory with id `dir_id` (`path` names it in errors)."""
        listing = self.listing(dir_id, path)
        warn_skipped(listing)
        return self.resolve_conflicts(path, dir_id, self.entries(listing))

    def read_only(self) -> PathMapper:
        """A mapper of the same vault that never writes: sync-conflict copies are listed
        under their conflict names instead of being resolved (renamed or removed)."""
        return PathMapper(self.fs, self.root, self.cryptor)

    @staticmethod
    def entries(listing: Listing) -> list[Entry]:
        """A listing's children as Entries, plain files first."""
        file = NodeKind.FILE
        entries = [Entry(name, file, node_path, node_path, size, info, None, None,
                         node_path.rpartition("/")[2])
                   for name, node_path, size, info in zip(
                       listing.names, listing.node_paths, listing.sizes, listing.infos,
                       strict=True)]
        entries += listing.others
        return entries

    def resolve_conflicts(self, path: str, dir_id: str, entries: list[Entry]) -> list[Entry]:
        """`entries` with sync-conflict copies handled (see resolver.py)."""
        if any(e.conflict_of is not None for e in entries):
            return self._handle_conflicts(path, dir_id, entries)
        return entries

    def listing(self, dir_id: str, path: str) -> Listing:
        """One listing of a directory: plain files as columns, everything else as Entries.

        Big folders are mostly plain files (X.c9r objects). They are kept as parallel
        lists of strings, ints and the storage's info dicts, so that a listing creates
        no objects the garbage collector tracks per file: ten thousand tracked objects
        per listing made a full collection every few listings, ~70 ms in a process
        that has loaded an S3 client. Sync-conflict copies are in `others` unresolved.
        """
        content = self.content_dir(dir_id)
        scan = self._scan(content, path)
        long_names = self._long_names(content, [h for h, m in scan.nested.items() if h.endswith(
            SHORTENED_NAME_SUFFIX) and INFLATED_NAME_FILE_NAME in m])
        heads: list[str] = []
        tops: list[dict[str, Any]] = []
        folders: list[StoredNode] = []
        no_members: dict[str, dict[str, Any]] = {}
        listing = Listing()
        suffix = ENCRYPTED_NAME_SUFFIX
        for head in scan.heads():
            top = scan.tops.get(head)
            if top is not None and top["type"] == "file":
                # The common case, a plain file X.c9r, decided without _node_folder's checks.
                if head.endswith(suffix):
                    heads.append(head)
                    tops.append(top)
                continue
            found = self._node_folder(content, head, scan.nested.get(head, no_members),
                                      long_names.get(head), listing.skipped)
            if found is not None:
                folders.append(found)
        others = listing.others
        names = self._plain_names(dir_id, heads)
        sizer = self.cleartext_size
        prefix = f"{content}/"
        for head, top, name in zip(heads, tops, names, strict=True):
            if name is not None and name.isascii():
                # Inline: this loop runs once per file of big folders.
                listing.names.append(name)
                listing.node_paths.append(prefix + head)
                listing.sizes.append(sizer(int(top.get("size") or 0)))
                listing.infos.append(top)
                continue
            node_path = prefix + head
            node: StoredNode = (head, head, NodeKind.FILE, node_path, node_path, top)
            if name is not None:
                # Decrypted already; _entry sees to a name stored unnormalised.
                others.append(self._entry(path, dir_id, node, name, None, scan))
            else:
                folders.append(node)  # a conflict copy or a damaged name
        for stored, (name, conflict) in zip(folders, self._node_names(
                dir_id, [(n[0], n[1]) for n in folders]), strict=True):
            if name is None:
                listing.skipped.append(Skipped(stored[3], self.undecryptable(
                    stored[0], stored[1], dir_id)))
            else:
                others.append(self._entry(path, dir_id, stored, name, conflict, scan))
        with self._lock:
            self._scanned.add(dir_id)
        return listing

    def _plain_names(self, dir_id: str, heads: list[str]) -> list[str | None]:
        """The cleartext names of plain X.c9r nodes, None where the name does not decrypt
        as is (a conflict copy, a damaged name: those go through decrypt_node_name).

        Remembered per directory as stored name -> cleartext name, strings only.
        """
        cache = self._plain.get(dir_id)
        if cache is None:
            cache = {}
        get = cache.get
        found: list[str | None] = [get(head) for head in heads]
        missing = [i for i, name in enumerate(found) if name is None]
        if not missing:
            return found
        cut = len(ENCRYPTED_NAME_SUFFIX)
        clear = self.cryptor.names.decrypt_names([heads[i][:-cut] for i in missing], dir_id)
        fresh: dict[str, str] = {}
        for i, name in zip(missing, clear, strict=True):
            if name is not None:
                found[i] = name
                fresh[heads[i]] = name
        if fresh:
            if self._name_count + len(fresh) > NAME_CACHE_SIZE:
                self.forget_names()  # crude but bounded; a clear costs one cold listing
                if len(fresh) > NAME_CACHE_SIZE:
                    return found
            with self._lock:
                self._plain.setdefault(dir_id, {}).update(fresh)
                self._name_count += len(fresh)
        return found

    def _handle_conflicts(self, path: str, dir_id: str, entries: list[Entry]) -> list[Entry]:
        """Resolve conflict copies (if a resolver is set); remember those left shown."""
        resolver = self.resolver
        if resolver is not None:
            resolved = (resolver(path, dir_id, e) if e.conflict_of is not None else e
                        for e in entries)
            entries = [e for e in resolved if e is not None]
        regular = {e.name for e in entries if e.conflict_of is None}
        prefix = f"{path}/" if path else ""
        with self._lock:
            for e in entries:
                if e.conflict_of is not None and e.name not in regular:
                    child = prefix + e.name
                    self._conflict_nodes[child] = Node(child, dir_id, e.node_path, e.full_name)
        return entries

    def _scan(self, content: str, path: str) -> Scan:
        """One recursive listing of a content folder, grouped by node: the storage info of
        each node itself, and of the members of each node folder. Hidden names (writes
        in progress) and dirid.c9r are left out."""
        fs = self.fs
        try:
            if is_local(fs):
                return scan_local(content)
            # Object stores list a whole prefix in one (paged) request; elsewhere find
            # walks the content folder and its node folders, which never nest deeper.
            found: dict[str, dict[str, Any]] = fs.find(content, detail=True, withdirs=True)
        except FileNotFoundError:
            found = {}
        if not found and not fs.exists(content):
            raise VaultCorruptError(
                f"directory {path or '/'!r} is damaged: its content folder is missing"
            )
        # Runs once per stored object: it allocates as little as it can (no dict per
        # plain file), since big listings are dominated by such per-entry work.
        tops: dict[str, dict[str, Any]] = {}
        nested: dict[str, dict[str, dict[str, Any]]] = {}
        prefix = content.rstrip("/") + "/"
        cut = len(prefix)
        for full_path, info in found.items():
            if not full_path.startswith(prefix):
                continue
            head, _, tail = full_path[cut:].partition("/")
            if not _is_node_name(head):
                continue
            if not tail:
                tops[head] = info
            elif head in nested:
                nested[head][tail] = info
            else:
                nested[head] = {tail: info}
        return Scan(tops, nested)

    def _long_names(self, content: str, heads: list[str]) -> dict[str, str]:
        """The full encrypted names of shortened nodes: one batched read of their name.c9s."""
        if not heads:
            return {}
        paths = [join(content, h, INFLATED_NAME_FILE_NAME) for h in heads]
        raw = read_small_many(self.fs, paths, MAX_NAME_FILE_SIZE, "name file")
        names = {}
        for h, p in zip(heads, paths, strict=True):
            value = raw.get(p)
            if isinstance(value, bytes):
                names[h] = value.decode("utf-8", errors="replace").strip()
            elif isinstance(value, Exception) and is_unreachable(value):
                # Not a damaged node to skip: the listing cannot be completed.
                raise value
            elif isinstance(value, VaultCorruptError):
                log.warning("skipping a damaged shortened node: %s", value)
        return names

    def subdirectories(self, dir_id: str, path: str) -> list[tuple[str, str]]:
        """(cleartext path, directory id) of each subdirectory of a directory.

        One listing and one batched read of the subdirectories' dir.c9r; the names of
        files are not even decrypted. Damaged subdirectories are left out.
        """
        content = self.content_dir(dir_id)
        scan = self._scan(content, path)
        heads = [h for h, members in scan.nested.items() if DIR_FILE_NAME in members]
        long_names = self._long_names(
            content, [h for h in heads if h.endswith(SHORTENED_NAME_SUFFIX)])
        dir_files = [join(content, h, DIR_FILE_NAME) for h in heads]
        raw = read_small_many(self.fs, dir_files, MAX_DIR_FILE_SIZE, "directory file")
        found = []
        for head, dir_file in zip(heads, dir_files, strict=True):
            name, suffix = self.decrypt_node_name(head, long_names.get(head, head), dir_id)
            data = raw.get(dir_file)
            if isinstance(data, VaultCorruptError):
                log.warning("skipping a damaged directory: %s", data)
            if name is None or not isinstance(data, bytes):
                continue
            child = join(path, conflict_name(name, suffix) if suffix is not None else name)
            try:
                found.append((child, self._parse_dir_file(data, child)))
            except VaultCorruptError as exc:
                # The message names the cleartext path: not above DEBUG (see SECURITY.md).
                log.warning("skipping a damaged directory: %s", dir_file)
                log.debug("skipping a damaged directory: %s", exc)
        return found

    def _entry(self, path: str, dir_id: str,
               node: StoredNode,
               name: str, suffix: str | None, siblings: Scan) -> Entry:
        _, full, kind, node_path, data_path, info = node
        if suffix is None and not name.isascii() and normalize_name(name) != name:
            # Stored unnormalised by another writer: show the NFC name, as every path
            # we are given is normalised, and remember where the node really is. If the
            # NFC name exists as well, both stay visible under their own names.
            nfc = normalize_name(name)
            if not siblings.has(self.cryptor.storage_name(nfc, dir_id)):
                with self._lock:
                    self._unnormalised[f"{path}/{nfc}" if path else nfc] = (
                        dir_id, node_path, full)
                name = nfc
        size: int | None = 0
        if kind is NodeKind.FILE:
            size = self.cleartext_size(int(info.get("size") or 0))
        if suffix is not None:
            return Entry(name=conflict_name(name, suffix), kind=kind, node_path=node_path,
                         ciphertext_path=data_path, size=size, info=info, conflict_of=name,
                         conflict_suffix=suffix, full_name=full)
        return Entry(name=name, kind=kind, node_path=node_path, ciphertext_path=data_path,
                     size=size, info=info, full_name=full)

    def _node_folder(self, content: str, head: str, members: dict[str, dict[str, Any]],
                     long_name: str | None, skipped: list[Skipped]
                     ) -> StoredNode | None:
        """What a node folder (X.c9r/ or H.c9s/) holds, or None if it shows nothing (then
        `skipped` says why, if it is a node at all)."""
        node_path = f"{content}/{head}"
        if head.endswith(SHORTENED_NAME_SUFFIX):
            if long_name is None:
                skipped.append(Skipped(node_path, f"a shortened name without its readable "
                                                  f"{INFLATED_NAME_FILE_NAME}"))
                return None
            full = long_name
            data_file = CONTENTS_FILE_NAME
        elif head.endswith(ENCRYPTED_NAME_SUFFIX):
            full = head
            data_file = ""
        else:
            return None
        if DIR_FILE_NAME in members:
            kind, data_path, info = NodeKind.DIRECTORY, join(node_path, DIR_FILE_NAME), members[
                DIR_FILE_NAME]
        elif SYMLINK_FILE_NAME in members:
            kind, data_path, info = NodeKind.SYMLINK, join(node_path, SYMLINK_FILE_NAME), members[
                SYMLINK_FILE_NAME]
        elif data_file and data_file in members:
            kind, data_path, info = NodeKind.FILE, join(node_path, data_file), members[data_file]
        elif data_file:
            # name.c9s alone: a shortened node being written (or left by a write that was
            # interrupted); it holds no data yet.
            skipped.append(Skipped(node_path, f"an incomplete node: {INFLATED_NAME_FILE_NAME} "
                                              "without data (a write in progress, or "
                                              "interrupted)", damaged=False))
            return None
        else:
            skipped.append(Skipped(node_path, f"a folder node without {DIR_FILE_NAME} or "
                                              f"{SYMLINK_FILE_NAME}: its contents cannot be "
                                              "reached"))
            return None
        return head, full, kind, node_path, data_path, info

    def _node_names(self, dir_id: str, nodes: list[tuple[str, str]]
                    ) -> list[tuple[str | None, str | None]]:
        """decrypt_node_name of each (head, full), remembered: listing a folder again costs
        no AES, and the names not remembered yet are decrypted in one batch."""
        cache = self._names.get(dir_id)
        if cache is None:
            cache = {}
        found = [cache.get(key) for key in nodes]
        missing = [i for i, known in enumerate(found) if known is None]
        if not missing:
            return found  # type: ignore[return-value]  # no None left
        # Plain X.c9r names (the node's own name) in one batch; what does not decrypt
        # there (a conflict copy, a damaged name) and shortened names one by one.
        plain = [i for i in missing if nodes[i][0] == nodes[i][1]]
        clear = self.cryptor.names.decrypt_names(
            [nodes[i][1][: -len(ENCRYPTED_NAME_SUFFIX)] for i in plain], dir_id)
        for i, name in zip(plain, clear, strict=True):
            if name is not None:
                found[i] = (name, None)
        for i in missing:
            if found[i] is None:
                found[i] = self.decrypt_node_name(*nodes[i], dir_id)
        self._remember_names(dir_id, [(nodes[i], found[i]) for i in missing])
        return found  # type: ignore[return-value]

    def _remember_names(self, dir_id: str, decrypted: list[tuple[tuple[str, str], tuple[
            str | None, str | None] | None]]) -> None:
        if self._name_count + len(decrypted) > NAME_CACHE_SIZE:
            self.forget_names()  # crude but bounded; a clear costs one cold listing
            decrypted = decrypted[:NAME_CACHE_SIZE]
        names = self._names.get(dir_id)
        if names is None:
            names = self._names[dir_id] = {}
        for key, value in decrypted:
            names[key] = value  # type: ignore[assignment]
        self._name_count += len(decrypted)

    def forget_names(self) -> None:
        """Drop the remembered decrypted names (the next listings decrypt them again)."""
        self._names = {}
        self._plain = {}
        self._name_count = 0

    @property
    def remembered_names(self) -> int:
        """How many decrypted names are remembered: never above NAME_CACHE_SIZE."""
        return self._name_count

    def undecryptable(self, head: str, full: str, dir_id: str) -> str:
        """Why decrypt_node_name found no name for a node (the rare path: no caching)."""
        if not full.endswith(ENCRYPTED_NAME_SUFFIX):
            return f"its {INFLATED_NAME_FILE_NAME} does not hold an encrypted name"
        if head.endswith(SHORTENED_NAME_SUFFIX):
            canonical = shortened_name(full)[: -len(SHORTENED_NAME_SUFFIX)]
            if not head.startswith(canonical):
                return (f"its {INFLATED_NAME_FILE_NAME} does not match the shortened name "
                        "(it belongs to another node)")
        try:
            self.cryptor.names.decrypt_name(full[: -len(ENCRYPTED_NAME_SUFFIX)], dir_id)
        except AuthenticationError:
            return ("its name does not decrypt in this folder (moved here from another "
                    "folder, or damaged)")
        except VaultError as exc:
            return f"its name cannot be read: {exc}"
        return "its name does not decrypt"

    def decrypt_node_name(self, head: str, full: str,
                           dir_id: str) -> tuple[str | None, str | None]:
        """The cleartext name of a node, and for a sync-conflict copy its suffix.

        `head` is the node's name on storage, `full` the encrypted name it stands for
        (the same for X.c9r; what name.c9s holds for H.c9s). A copy of H.c9s renamed to
        `H (1).c9s` still holds the original name.c9s: the suffix is in `head`.
        """
        if not full.endswith(ENCRYPTED_NAME_SUFFIX):
            return None, None
        stem = full[: -len(ENCRYPTED_NAME_SUFFIX)]
        suffix: str | None = None
        if head.endswith(SHORTENED_NAME_SUFFIX):
            canonical = shortened_name(full)[: -len(SHORTENED_NAME_SUFFIX)]
            head_stem = head[: -len(SHORTENED_NAME_SUFFIX)]
            if head_stem != canonical:
                if not head_stem.startswith(canonical):
                    return None, None  # name.c9s does not belong to this folder
                suffix = head_stem[len(canonical):]
        # decrypt_name accepts only canonical base64url, so "X= (1)" is not read as X.
        try:
            return self.cryptor.names.decrypt_name(stem, dir_id), suffix
        except VaultError:
            pass
        if head.endswith(SHORTENED_NAME_SUFFIX):
            return None, None
        split = split_conflict(stem, dir_id, self.cryptor.names)
        return split if split is not None else (None, None)


def warn_skipped(listing: Listing) -> None:
    """Log the nodes a listing shows nothing for (storage paths only, never names)."""
    for skipped in listing.skipped:
        if skipped.damaged:
            log.warning("skipping %s: %s", skipped.node_path, skipped.reason)


def _is_node_name(head: str) -> bool:
    """Whether a name in a content folder can be a node: hidden names are writes in
    progress, and dirid.c9r is the folder's own id."""
    return bool(head) and head[0] != "." and head != DIR_ID_BACKUP_FILE_NAME


# Listing a folder through its descriptor makes each entry's stat() look up one name
# rather than the whole path again: a sixth of a big local listing. By path where
# scandir takes no descriptor (Windows).
_SCANDIR_TAKES_FD = os.scandir in os.supports_fd


def scan_local(content: str) -> Scan:
    """PathMapper._scan of a local content folder, read with os.scandir directly: the
    info of each entry is what LocalFileSystem.ls reports (name, type, size, mtime,
    created), but fsspec's info() per entry, and grouping its paths again by node,
    cost more than listing and decrypting the entry together.

    FileNotFoundError if the content folder is missing, with nothing to tell a damaged
    vault from a race: the caller checks.
    """
    if not _SCANDIR_TAKES_FD:
        with os.scandir(content) as entries:
            return _group_local(content, entries)
    fd = os.open(content, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as entries:
            return _group_local(content, entries)
    finally:
        os.close(fd)


def _group_local(content: str, entries: Iterator[os.DirEntry[str]]) -> Scan:
    tops: dict[str, dict[str, Any]] = {}
    nested: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in entries:
        head = entry.name
        if not _is_node_name(head):
            continue
        try:
            st = entry.stat()  # follows symlinks, as LocalFileSystem.info does
        except OSError:
            continue  # a dangling symlink: no node of ours
        # As _local_info, inline: this loop runs once per entry of big folders.
        path = f"{content}/{head}"
        if S_ISDIR(st.st_mode):
            tops[head] = {"name": path, "size": st.st_size, "type": "directory",
                          "mtime": st.st_mtime, "created": st.st_ctime}
            members = _scan_node_folder(path)
            if members:
                nested[head] = members
        else:
            tops[head] = {"name": path, "size": st.st_size, "type": "file",
                          "mtime": st.st_mtime, "created": st.st_ctime}
    return Scan(tops, nested)


def _scan_node_folder(folder: str) -> dict[str, dict[str, Any]]:
    members: dict[str, dict[str, Any]] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                info = _local_info(entry, f"{folder}/{entry.name}")
                if info is not None:
                    members[entry.name] = info
    except (FileNotFoundError, NotADirectoryError):
        pass  # removed or replaced since the content folder was listed
    return members


def _local_info(entry: os.DirEntry[str], path: str) -> dict[str, Any] | None:
    try:
        st = entry.stat()  # follows symlinks, as LocalFileSystem.info does
    except OSError:
        return None  # a dangling symlink: no node of ours
    return {"name": path, "size": st.st_size,
            "type": "directory" if S_ISDIR(st.st_mode) else "file",
            "mtime": st.st_mtime, "created": st.st_ctime}


def max_symlink_file_size(combo: CipherCombo) -> int:
    """The largest symlink.c9r can be: a target of MAX_SYMLINK_TARGET_LENGTH characters
    of up to 4 UTF-8 bytes each, encrypted."""
    return ciphertext_size(4 * MAX_SYMLINK_TARGET_LENGTH, combo)


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
