"""VaultFileSystem: a Cryptomator vault on any fsspec location, as an fsspec filesystem.

Every method is written out here and maps cleartext paths to ciphertext nodes; nothing
falls through to the storage filesystem, so no call can bypass encryption.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from operator import itemgetter
from typing import Any

from fsspec.callbacks import DEFAULT_CALLBACK, Callback
from fsspec.implementations.local import LocalFileSystem, make_path_posix, trailing_sep
from fsspec.spec import AbstractFileSystem
from fsspec.utils import check_contained, isfilelike

from vaultui.crypto.constants import (
    DIR_FILE_NAME,
    DIR_ID_BACKUP_FILE_NAME,
    ROOT_DIR_ID,
    SYMLINK_FILE_NAME,
)
from vaultui.crypto.cryptor import VaultCryptor, new_dir_id
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keysource import KeySource, KeySourceError, ProcessKeySource, hold_key
from vaultui.crypto.stream import DecryptingReader, encrypt_bytes
from vaultui.crypto.vaultconfig import VaultConfig
from vaultui.fs.aliases import begin_move, end_move, settle, shared_elsewhere
from vaultui.fs.bulk import expand, expand_sources, is_pattern, plan_targets
from vaultui.fs.errors import RefusedOperationError, StorageUnavailableError, VaultCorruptError
from vaultui.fs.exclusive import create_file
from vaultui.fs.files import VaultReadFile, VaultWriteFile
from vaultui.fs.localfile import replacing_local_file
from vaultui.fs.nodes import (
    Entry,
    Listing,
    Node,
    NodeKind,
    PathMapper,
    norm_path,
    parent_path,
    split_path,
    warn_skipped,
)
from vaultui.fs.publish import (
    abandon_file_node,
    copy_file_node,
    create_folder_node,
    move_node,
    prepare_file_node,
    remove_quietly,
)
from vaultui.fs.resolver import ConflictResolver
from vaultui.fs.reverse import cleartext_path
from vaultui.fs.storage import (
    has_real_directories,
    join,
    open_sequential,
    temp_name,
)
from vaultui.fs.unreachable import storage_call
from vaultui.fs.vault import KeyLoader, VaultLocation, id_from_jti
from vaultui.fs.visits import FolderVisits


def fsspec_type(kind: NodeKind) -> str:
    """fsspec's "type" of a node (identity tests: listings call it once per entry)."""
    if kind is NodeKind.FILE:
        return "file"
    return "directory" if kind is NodeKind.DIRECTORY else "other"


#: Timestamps of the storage's info that listings pass on.
_TIME_KEYS = ("mtime", "LastModified", "last_modified", "created")
#: Constructor arguments that carry secrets (or, for key_source, find them): never kept in
#: storage_options, which fsspec serialises and hashes.
_SECRET_ARGS = ("passphrase", "masterkey", "key_loader", "key_source")
_COPY_BLOCK = 4 * 1024 * 1024

#: Keys a key source gave this process, by (vault id, source): every task of a Dask graph
#: unpickles its own filesystem, and a passphrase source would otherwise run scrypt per task.
_unlocked: dict[tuple[str, KeySource], Masterkey] = {}
_unlocked_lock = threading.Lock()


class KeyInProcessWarning(UserWarning):
    """A vault opened with a passphrase or key was handed to Dask or pickled.

    It travels as a ProcessKeySource: the key stays in this process's memory, so only this
    process (Dask's threads scheduler) can open it again; workers need a key source.
    """


class VaultFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """Cleartext view of a vault whose ciphertext lives on another fsspec filesystem.

    Open it with a location URL (``VaultFileSystem("s3://bucket/vault",
    storage_options={...}, passphrase=...)``) or an existing filesystem and root
    (``VaultFileSystem(fs=s3, root="bucket/vault", masterkey=key)``). The key comes from
    `passphrase`, `masterkey` (a Masterkey or its 64 raw bytes), or `key_loader`, a
    callback given the VaultLocation that returns either. Secrets are not kept in
    `storage_options`, so fsspec's serialisation never writes them.

    With `auto_mkdir` (the default, as on object stores and fsspec's memory
    filesystem) writing a file creates its missing parent directories.

    Sync-conflict copies (`X (1).c9r`, left by a cloud's sync client) are resolved
    while listing, as Cryptomator does (`resolve_conflicts=True`, see resolver.py);
    with False they are only shown, as `name (1).ext` with `conflict_of` in their info.
    """

    protocol = "vaultui"
    root_marker = ""
    cachable = False
    async_impl = False

    def __init__(
        self,
        location: str | None = None,
        *,
        fs: AbstractFileSystem | None = None,
        root: str | None = None,
        storage_options: dict[str, Any] | None = None,
        passphrase: str | None = None,
        masterkey: Masterkey | bytes | None = None,
        key_loader: KeyLoader | None = None,
        key_source: KeySource | None = None,
        fo: str | None = None,
        target_protocol: str | None = None,
        target_options: dict[str, Any] | None = None,
        auto_mkdir: bool = True,
        resolve_conflicts: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.auto_mkdir = auto_mkdir
        if fs is not None:
            self.location = VaultLocation(fs, root or "")
        else:
            url = location or fo
            if url is None:
                raise ValueError("give the vault's location URL, or fs= and root=")
            options = dict(storage_options or target_options or {})
            if target_protocol and "://" not in url:
                url = f"{target_protocol}://{url}"
            self.location = VaultLocation.from_url(url, options)
        self.key_source = key_source
        key, config = self._unlock(passphrase, masterkey, key_loader, key_source)
        self._key = key
        #: The vault's stable id (see VaultLocation.vault_id), from the verified config.
        self.vault_id = id_from_jti(config.jti, self.location.url)
        self.cryptor = VaultCryptor(key, config)
        self.storage = self.location.fs
        self.mapper = PathMapper(self.storage, self.location.root, self.cryptor)
        if resolve_conflicts:
            self.mapper.resolver = ConflictResolver(self.mapper)
        self._write_lock = self.mapper.write_lock

    # fsspec sets `_fs_token_` to an MD5 of every constructor argument, the passphrase
    # included, and publishes it through hash(fs), get_fs_token_paths and dask tokens: a
    # fast hash that would let anyone who sees it guess the passphrase without scrypt.
    # The token names what the filesystem shows instead: where the vault is, which vault
    # (its id), and the options that change behaviour; never where the key came from.
    @property
    def _fs_token_(self) -> str:
        parts = ("vaultui", type(self.storage).__name__, self.location.url, self.vault_id,
                 self.auto_mkdir, self.mapper.resolver is not None)
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]

    @_fs_token_.setter
    def _fs_token_(self, value: Any) -> None:
        pass

    @property
    def storage_options(self) -> dict[str, Any]:
        return self._storage_options

    @storage_options.setter
    def storage_options(self, value: dict[str, Any]) -> None:
        # fsspec stores the constructor's arguments here and serialises them: keep
        # everything but the secrets.
        self._storage_options = {k: v for k, v in value.items() if k not in _SECRET_ARGS}

    def _unlock(self, passphrase: str | None, masterkey: Masterkey | bytes | None,
                key_loader: KeyLoader | None, key_source: KeySource | None
                ) -> tuple[Masterkey, VaultConfig]:
        if masterkey is not None:
            return self.location.unlock(masterkey if isinstance(masterkey, Masterkey)
                                        else Masterkey.from_raw(bytes(masterkey)))
        if passphrase is not None:
            return self.location.unlock(passphrase)
        if key_loader is not None:
            return self.location.unlock(key_loader(self.location))
        if key_source is not None:
            return self._unlock_from(key_source)
        raise ValueError(
            "a vault needs passphrase=, masterkey=, key_loader= or key_source= to open")

    def _unlock_from(self, source: KeySource) -> tuple[Masterkey, VaultConfig]:
        location = self.location
        unverified = location.read_config()
        vault_id = id_from_jti(unverified.payload.get("jti"), location.url)
        with _unlocked_lock:
            key = _unlocked.get((vault_id, source))
        if key is None:
            def unwrap(passphrase: str) -> bytes:
                return location.read_masterkey_file(unverified).unlock(passphrase).raw

            key = Masterkey.from_raw(source.load(vault_id, unwrap))
        config = unverified.verify(key)  # a wrong key fails here, not at the first read
        if not isinstance(source, ProcessKeySource):
            with _unlocked_lock:
                _unlocked[(vault_id, source)] = key
        return key, config

    @property
    def masterkey(self) -> Masterkey:
        """The vault's key (its repr is redacted and it refuses to pickle)."""
        return self._key

    def __repr__(self) -> str:
        return f"VaultFileSystem({self.location.url!r})"

    def _travelling_source(self) -> KeySource:
        """The key source a copy of this filesystem in another place opens with.

        Opened with a passphrase or key (as Dask's `storage_options` do), there is none: the
        key is held in this process's memory and named by a ProcessKeySource, so the secret
        itself never enters a pickle, a task graph or a token.
        """
        if self.key_source is None:
            warnings.warn(
                f"the vault {self.location.url} was opened with a passphrase or key and is "
                "being pickled or handed to Dask: its key stays in this process's memory, so "
                "only this process can open the copy. For worker processes give a key "
                "source (key_source=...) or register vaultui.dask.VaultKeys",
                KeyInProcessWarning, stacklevel=3)
            hold_key(self.vault_id, self._key.raw)
            self.key_source = ProcessKeySource()
        return self.key_source

    def __reduce__(self) -> Any:
        # Where the vault is and where its key comes from; never the key.
        return (_reopen, (self.location, self._travelling_source(), self.auto_mkdir,
                          self.mapper.resolver is not None))

    def __dask_tokenize__(self) -> object:
        # Dask calls this while it builds a graph: the moment to move a passphrase given in
        # storage_options out of the way, before the filesystem is pickled into tasks.
        self._travelling_source()
        return ("vaultui", self._fs_token_)

    @classmethod
    def _strip_protocol(cls, path: Any) -> str:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]  # type: ignore[return-value]
        text = str(path)
        if text.startswith("vaultui://"):
            text = text[len("vaultui://"):]
        elif text.startswith("vaultui::"):
            text = text[len("vaultui::"):]
        return text.split("::", 1)[0].strip("/")

    def _parent(self, path: str) -> str:
        return parent_path(norm_path(self._strip_protocol(path)))

    def _path(self, path: str) -> str:
        return norm_path(self._strip_protocol(path))

    # -- views of the storage ---------------------------------------------------------

    @storage_call
    def ciphertext_paths(self, path: str) -> list[str]:
        """The storage objects behind a cleartext path (for 'locate encrypted file')."""
        path = self._path(path)
        if not path:
            return [self.mapper.content_dir(self.mapper.dir_id(""))]
        node = self.mapper.node(path)
        kind = self.mapper.kind(node)
        if kind is None:
            raise FileNotFoundError(path)
        paths = [node.node_path]
        if kind is NodeKind.DIRECTORY:
            paths.append(self.mapper.content_dir(self.mapper.dir_id(path)))
        return paths

    @storage_call
    def cleartext_path(self, storage_path: str) -> str:
        """The cleartext path of a storage object below `d/` (for 'decrypt file names').

        Maps the content folder back to its directory by hashing directory ids, cached
        or found walking directories only; see reverse.py for the costs.
        """
        return cleartext_path(self.mapper, storage_path)

    # -- listing and info -------------------------------------------------------------

    def _entry_infos(self, parent: str, entries: list[Entry]) -> list[dict[str, Any]]:
        """The fsspec infos of listed entries, sorted by name."""
        # Runs once per listed entry: one loop, no per-entry calls, no enum hashing.
        prefix = f"{parent}/" if parent else ""
        file, symlink = NodeKind.FILE, NodeKind.SYMLINK
        infos: list[dict[str, Any]] = []
        append = infos.append
        for entry in entries:
            raw = entry.info
            kind = entry.kind
            size = entry.size
            info: dict[str, Any] = {
                "name": prefix + entry.name,
                "size": size if size is not None else 0,
                "type": "file" if kind is file else fsspec_type(kind),
                "islink": kind is symlink,
                "node_path": entry.node_path,
                "ciphertext_path": entry.ciphertext_path,
                "ciphertext_size": raw.get("size"),
            }
            if size is None:
                info["damaged"] = True
            if entry.conflict_of is not None:
                info["conflict_of"] = entry.conflict_of
            for key in _TIME_KEYS:
                if key in raw:
                    info[key] = raw[key]
            append(info)
        infos.sort(key=itemgetter("name"))
        return infos

    @storage_call
    def ls(self, path: str = "", detail: bool = True, **kwargs: Any) -> list[Any]:
        path = self._path(path)
        mapper = self.mapper
        clean = norm_path(path)
        try:
            dir_id = mapper.dir_id(clean)
        except NotADirectoryError:
            info = self.info(path)
            return [info] if detail else [info["name"]]
        try:
            listing = mapper.listing(dir_id, clean)
        except VaultCorruptError:
            # Another writer may have removed the folder (or removed and made it again)
            # since its id was cached: look again before calling it damaged.
            mapper.forget(clean)
            fresh = mapper.dir_id(clean)  # FileNotFoundError if it was removed
            if fresh == dir_id:
                raise
            dir_id = fresh
            listing = mapper.listing(dir_id, clean)
        warn_skipped(listing)
        if any(e.conflict_of is not None for e in listing.others):
            entries = mapper.resolve_conflicts(clean, dir_id, mapper.entries(listing))
            infos = self._entry_infos(path, entries)
        else:
            infos = self._listing_infos(path, listing)
        return infos if detail else [i["name"] for i in infos]

    def _listing_infos(self, parent: str, listing: Listing) -> list[dict[str, Any]]:
        """The fsspec infos of a listing without conflict copies, sorted by name."""
        # Runs once per listed file: one loop, and nothing per file that the garbage
        # collector would have to track (see PathMapper.listing).
        prefix = f"{parent}/" if parent else ""
        infos = self._entry_infos(parent, listing.others)
        append = infos.append
        time_keys = _TIME_KEYS
        for name, node_path, size, raw in zip(listing.names, listing.node_paths,
                                              listing.sizes, listing.infos, strict=True):
            info: dict[str, Any] = {
                "name": prefix + name,
                "size": size if size is not None else 0,
                "type": "file",
                "islink": False,
                "node_path": node_path,
                "ciphertext_path": node_path,
                "ciphertext_size": raw.get("size"),
            }
            if size is None:
                info["damaged"] = True
            for key in time_keys:
                if key in raw:
                    info[key] = raw[key]
            append(info)
        infos.sort(key=itemgetter("name"))
        return infos

    @storage_call
    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        path = self._path(path)
        if not path:
            return {"name": "", "size": 0, "type": "directory", "islink": False,
                    "node_path": None,
                    "ciphertext_path": self.mapper.content_dir(self.mapper.dir_id(""))}
        node = self.mapper.node(path)
        found = self.mapper.stat(node)
        if found is None:
            raise FileNotFoundError(path)
        return self._node_info(node, *found)

    def _node_info(self, node: Node, kind: NodeKind, raw: dict[str, Any]) -> dict[str, Any]:
        data_path = {NodeKind.FILE: node.contents_path,
                     NodeKind.DIRECTORY: node.dir_file_path,
                     NodeKind.SYMLINK: node.symlink_path}[kind]
        info: dict[str, Any] = {
            "name": node.path,
            "type": fsspec_type(kind),
            "islink": kind is NodeKind.SYMLINK,
            "size": 0,
            "node_path": node.node_path,
            "ciphertext_path": data_path,
            "ciphertext_size": raw.get("size"),
        }
        if kind is NodeKind.FILE:
            size = self.mapper.cleartext_size(int(raw["size"]))
            if size is not None:
                info["size"] = size
            else:
                info["damaged"] = True  # as ls shows it; reading it fails
        for key in _TIME_KEYS:
            if key in raw:
                info[key] = raw[key]
        return info

    def exists(self, path: str, **kwargs: Any) -> bool:
        try:
            self.info(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    @storage_call
    def modified(self, path: str) -> datetime:
        info = self.info(path)
        return self.storage.modified(info["ciphertext_path"])  # type: ignore[no-any-return]

    @storage_call
    def created(self, path: str) -> datetime:
        info = self.info(path)
        return self.storage.created(info["ciphertext_path"])  # type: ignore[no-any-return]

    @storage_call
    def readlink(self, path: str) -> str:
        """The target of a symlink in the vault."""
        node = self.mapper.node(self._path(path))
        if self.mapper.kind(node) is not NodeKind.SYMLINK:
            raise OSError(f"not a symbolic link: {path!r}")
        return self.cryptor.decrypt_file(self.mapper.read_symlink_file(node)).decode("utf-8")

    # -- directories ----------------------------------------------------------------

    def _require_parent_dir(self, path: str, create: bool = False) -> str:
        """The parent's directory id; with `create` and auto_mkdir, make missing parents."""
        parent = parent_path(path)
        try:
            return self.mapper.dir_id(parent)
        except FileNotFoundError:
            if not (create and self.auto_mkdir):
                raise FileNotFoundError(f"parent directory does not exist: {parent!r}") from None
        self.makedirs(parent, exist_ok=True)
        return self.mapper.dir_id(parent)

    @storage_call
    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        path = self._path(path)
        if not path:
            raise FileExistsError("the vault root exists")
        if create_parents and parent_path(path):
            self.makedirs(parent_path(path), exist_ok=True)
        parent_id = self._require_parent_dir(path)
        node = self.mapper.child_node(parent_id, parent_path(path), split_path(path)[-1])
        with self._write_lock:
            if self.mapper.kind(node) is not None:
                raise FileExistsError(path)
            dir_id = new_dir_id()
            content = self.mapper.content_dir(dir_id)
            # Content folder first, so a node that appears never points at nothing.
            try:
                self.storage.makedirs(content, exist_ok=True)
                create_file(self.storage, join(content, DIR_ID_BACKUP_FILE_NAME),
                            self.cryptor.dir_id_backup(dir_id))
                created = create_folder_node(self.storage, node, DIR_FILE_NAME,
                                             dir_id.encode("utf-8"))
            except BaseException:
                remove_quietly(self.storage, content)
                self._prune_empty(parent_path(content))
                raise
            if not created:
                # Another writer made this folder first: theirs stays, ours was never
                # reachable. makedirs (and so every write) adopts theirs.
                remove_quietly(self.storage, content)
                self._prune_empty(parent_path(content))
                self.mapper.forget(node.path)
                self.mapper.forget(path)
                raise FileExistsError(path)
            self.mapper.remember_dir_id(node.path, dir_id)
            if node.path != path:  # typed in another Unicode form than it is stored in
                self.mapper.remember_dir_id(path, dir_id)

    @storage_call
    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        path = self._path(path)
        parts = split_path(path)
        if not parts and not exist_ok:
            raise FileExistsError("the vault root exists")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            try:
                self.mapper.dir_id(sub)
            except FileNotFoundError:
                try:
                    self.mkdir(sub, create_parents=False)
                    continue
                except FileExistsError:
                    # Another thread made it between our look and our mkdir: fine if
                    # it is a directory (dir_id raises NotADirectoryError otherwise).
                    self.mapper.dir_id(sub)
            if i == len(parts) and not exist_ok:
                raise FileExistsError(path)

    @storage_call
    def rmdir(self, path: str) -> None:
        path = self._path(path)
        if self.ls(path, detail=False):
            raise OSError(f"directory not empty: {path!r}")
        self._remove(path)

    # -- removing -------------------------------------------------------------------

    def _remove(self, path: str) -> None:
        """Remove a file, symlink or whole directory tree."""
        if not path:
            raise RefusedOperationError("refusing to remove the vault root")
        node = self.mapper.node(path)
        kind = self.mapper.kind(node)
        if kind is None:
            raise FileNotFoundError(path)
        with self._write_lock:
            if kind is not NodeKind.DIRECTORY:
                if kind is NodeKind.FILE and not node.shortened:
                    self.storage.rm_file(node.node_path)
                else:
                    self.storage.rm(node.node_path, recursive=True)
                self.mapper.forget(path)
                return
            # Find every content folder of the tree first, then drop the node: the
            # directory vanishes at once, and an interruption can only leave
            # unreferenced content folders behind, never a node pointing at nothing.
            tree = self._folder_tree(self.mapper.dir_id(path), path)
            folders, shared = self._unshared(tree, node.node_path)
            self.storage.rm(node.node_path, recursive=True)
            self.mapper.forget(path)
            for dir_id, names in shared.items():
                with contextlib.suppress(Exception):
                    settle(self.mapper, dir_id, names, None)
            for folder in reversed(folders):
                with contextlib.suppress(FileNotFoundError):
                    self.storage.rm(folder, recursive=True)
                self._prune_empty(parent_path(folder))

    def _folder_tree(self, top_id: str, path: str) -> list[tuple[str, str | None]]:
        """(dir id, parent's dir id) of a directory and every directory below it, parents
        first, each once: a folder named twice (an alias) is not descended again.

        Files, symlinks and subdirectory nodes all live inside their parent's content
        folder, so removing the folders removes everything; only subdirectories need
        a look inside (one listing each, plus reading their dir.c9r).
        """
        # The root's content is never part of a removal, whatever a dir.c9r says.
        seen = {ROOT_DIR_ID, top_id}
        tree: list[tuple[str, str | None]] = [(top_id, None)]
        stack = [(top_id, path)]
        while stack:
            dir_id, folder = stack.pop()
            for entry in self.mapper.list_dir_id(dir_id, folder):
                if entry.kind is NodeKind.DIRECTORY:
                    child = f"{folder}/{entry.name}"
                    child_id = self.mapper.read_dir_file(entry.ciphertext_path, child)
                    if child_id not in seen:
                        seen.add(child_id)
                        tree.append((child_id, dir_id))
                        stack.append((child_id, child))
        return tree

    def _unshared(self, tree: list[tuple[str, str | None]], node_path: str
                  ) -> tuple[list[str], dict[str, list[str]]]:
        """The content folders of `tree` an rm may delete: those no node outside the
        removed tree still names, nor anything below such a folder (see aliases.py);
        and the shared ones, with the names their journals give."""
        content = self.mapper.content_dir
        removed = {content(d) for d, _ in tree}
        shared = shared_elsewhere(self.mapper, [d for d, _ in tree], removed, node_path)
        kept: set[str] = set()
        for dir_id, parent in tree:  # parents first: a kept folder keeps its subtree
            if dir_id in shared or parent in kept:
                kept.add(dir_id)
        return [content(d) for d, _ in tree if d not in kept], shared

    def _prune_empty(self, folder: str) -> None:
        """Drop an emptied d/XX folder on storages that have real folders."""
        if has_real_directories(self.storage):
            with contextlib.suppress(OSError):
                self.storage.rmdir(folder)

    @storage_call
    def rm_file(self, path: str) -> None:
        path = self._path(path)
        if self.isdir(path):
            raise IsADirectoryError(path)
        self._remove(path)

    @storage_call
    def rm(self, path: str | list[str], recursive: bool = False,
           maxdepth: int | None = None) -> None:
        """Remove files, and directories with `recursive`; globs and lists are expanded."""
        if maxdepth is not None:
            # Partial removal of trees: fsspec's walk-and-remove, bottom up.
            for p in reversed(expand(self, path, recursive=recursive, maxdepth=maxdepth)):
                if not (self.isdir(p) and self.ls(p, detail=False)):
                    self._remove(self._path(p))
            return
        paths = [self._path(p) for p in expand(self, path)]
        if "" in paths:
            raise RefusedOperationError("refusing to remove the vault root")
        removed: list[str] = []
        for p in sorted(paths):
            if any(p.startswith(r + "/") for r in removed):
                continue  # went with a directory removed before it
            if not recursive and self.isdir(p) and self.ls(p, detail=False):
                raise OSError(f"directory not empty (use recursive=True): {p!r}")
            self._remove(p)
            removed.append(p)

    def _rm(self, path: str) -> None:
        self._remove(self._path(path))

    # -- moving and copying ---------------------------------------------------------

    @storage_call
    def mv(self, path1: str | list[str], path2: str | list[str], recursive: bool = False,
           maxdepth: int | None = None, **kwargs: Any) -> None:
        """Rename a file, directory or symlink: only names are rewritten, O(1) objects.

        A list or glob of sources moves each into the folder `path2` (or to the
        matching entry of a list `path2`).
        """
        if isinstance(path1, list) or is_pattern(self, path1):
            sources = expand(self, path1)
            if isinstance(path2, list):
                targets = path2
            else:
                self.makedirs(path2, exist_ok=True)
                targets = [join(self._path(path2), split_path(self._path(p))[-1])
                           for p in sources]
            for source, target in zip(sources, targets, strict=True):
                self.mv(source, target)
            return
        if isinstance(path2, list):
            raise ValueError("moving to a list of targets needs a list of sources")
        src, dst = self._path(path1), self._path(path2)
        if src == dst:
            return
        if not src:
            raise RefusedOperationError("cannot move the vault root")
        if (dst + "/").startswith(src + "/"):
            raise RefusedOperationError(f"cannot move {src!r} into itself")
        if self.isdir(dst):
            dst = f"{dst}/{split_path(src)[-1]}"
        old = self.mapper.node(src)
        kind = self.mapper.kind(old)
        if kind is None:
            raise FileNotFoundError(src)
        parent_id = self._require_parent_dir(dst, create=True)
        new = self.mapper.child_node(parent_id, parent_path(dst), split_path(dst)[-1])
        with self._write_lock:
            existing = self.mapper.kind(new)
            if existing is NodeKind.DIRECTORY:
                raise FileExistsError(dst)
            if kind is not NodeKind.FILE and existing is not None:
                raise FileExistsError(dst)
            if existing is NodeKind.SYMLINK:
                self._remove(dst)
                existing = None
            if kind is NodeKind.DIRECTORY:
                self._move_directory(src, old, new)
            else:
                move_node(self.storage, kind, old, new, replacing=existing is not None)
            self.mapper.forget(src)

    def _move_directory(self, src: str, old: Node, new: Node) -> None:
        """Rename a directory node, journalled so that an interruption between writing
        the new node and removing the old one leaves two names `rm` knows to be one
        folder (see aliases.py)."""
        dir_id = self.mapper.dir_id(src)
        names = begin_move(self.mapper, dir_id, old.node_path, new.node_path)
        try:
            move_node(self.storage, NodeKind.DIRECTORY, old, new)
        except BaseException:
            # What is left decides: the journal stays while both names do.
            with contextlib.suppress(Exception):
                end_move(self.mapper, dir_id, names, old.node_path, None)
            raise
        with contextlib.suppress(Exception):
            end_move(self.mapper, dir_id, names, old.node_path, new.node_path)

    @storage_call
    def copy(self, path1: str | list[str], path2: str | list[str], recursive: bool = False,
             maxdepth: int | None = None, on_error: str | None = None, **kwargs: Any) -> None:
        """Copy files and folders inside the vault (ciphertext copied as it is)."""
        if on_error is None:
            on_error = "ignore" if recursive else "raise"
        if isinstance(path1, list) and isinstance(path2, list):
            sources, targets = path1, path2
        else:
            sources = expand_sources(self, path1, recursive, maxdepth)
            if not sources:
                return
            if not isinstance(path2, str):
                raise ValueError("copying to a list of targets needs a list of sources")
            dest_is_dir = trailing_sep(path2) or self.isdir(path2)
            pattern = isinstance(path1, str) and is_pattern(self, path1)
            targets = plan_targets(path1, sources, self._path(path2), dest_is_dir, pattern)
        for source, target in zip(sources, targets, strict=True):
            try:
                self.cp_file(source, target)
            except FileNotFoundError:
                if on_error == "raise":
                    raise

    @storage_call
    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy a file; the ciphertext is copied as it is (server-side where supported)."""
        src, dst = self._path(path1), self._path(path2)
        old = self.mapper.node(src)
        kind = self.mapper.kind(old)
        if kind is None:
            raise FileNotFoundError(src)
        if kind is NodeKind.DIRECTORY:
            self.makedirs(dst, exist_ok=True)
            return
        parent_id = self._require_parent_dir(dst, create=True)
        new = self.mapper.child_node(parent_id, parent_path(dst), split_path(dst)[-1])
        with self._write_lock:
            existing = self.mapper.kind(new)
            if existing is NodeKind.DIRECTORY:
                raise IsADirectoryError(dst)
            if kind is NodeKind.SYMLINK:
                if existing is not None:
                    self._remove(dst)
                self.symlink(self.readlink(src), dst)
                return
            if existing is NodeKind.SYMLINK:
                self._remove(dst)
                existing = None
            # A file's ciphertext does not depend on its name or folder, so the bytes
            # can be copied as they are; the storage does it without a download.
            copy_file_node(self.storage, old.contents_path, new, existing is not None)

    @storage_call
    def symlink(self, target: str, path: str) -> None:
        """Create a symlink node whose target (any text) is stored encrypted."""
        path = self._path(path)
        parent_id = self._require_parent_dir(path)
        node = self.mapper.child_node(parent_id, parent_path(path), split_path(path)[-1])
        with self._write_lock:
            if self.mapper.kind(node) is not None:
                raise FileExistsError(path)
            if not create_folder_node(self.storage, node, SYMLINK_FILE_NAME,
                                      encrypt_bytes(target.encode("utf-8"),
                                                    self.cryptor.content)):
                raise FileExistsError(path)

    # -- reading and writing --------------------------------------------------------

    @storage_call
    def _open(self, path: str, mode: str = "rb", block_size: Any = None,
              autocommit: bool = True, cache_options: Any = None, **kwargs: Any) -> Any:
        path = self._path(path)
        if not path:
            raise IsADirectoryError("the vault root is a directory")
        if "r" in mode and "+" not in mode:
            node, csize, size = self._file_node(path)
            return VaultReadFile(
                self, path, storage=self.storage, ciphertext_path=node.contents_path,
                ciphertext_size=csize, size=size,
                cipher=self.cryptor.content,
                block_size=block_size if isinstance(block_size, int) else None,
                cache_type=kwargs.get("cache_type"),
                cache_options=cache_options, location_url=self.location.url,
            )
        if mode not in ("wb", "xb"):
            raise ValueError(f"mode {mode!r} is not supported; vault files open as rb or wb")
        parent_id = self._require_parent_dir(path, create=True)
        node = self.mapper.child_node(parent_id, parent_path(path), split_path(path)[-1])
        kind = self.mapper.kind(node)
        if kind is NodeKind.DIRECTORY:
            raise IsADirectoryError(path)
        if kind is not None and mode == "xb":
            raise FileExistsError(path)

        storage = self.storage
        existed = kind is not None
        # The hidden temporary name is a sibling of the node in the content folder,
        # which exists; a shortened file's own folder is made only when it commits.
        storage.makedirs(parent_path(node.node_path), exist_ok=True)
        return VaultWriteFile(
            path, storage=storage, target_path=node.contents_path,
            temp_path=temp_name(node.node_path), cipher=self.cryptor.content,
            autocommit=autocommit,
            before_commit=lambda: prepare_file_node(storage, node),
            on_abort=lambda: abandon_file_node(storage, node, existed),
            location_url=self.location.url)

    @storage_call
    def cat_file(self, path: str, start: int | None = None, end: int | None = None,
                 **kwargs: Any) -> bytes:
        with self.open(path, "rb") as f:
            size = f.size
            start = 0 if start is None else (start if start >= 0 else max(0, size + start))
            end = size if end is None else (end if end >= 0 else max(0, size + end))
            if end <= start:
                return b""
            f.seek(start)
            return bytes(f.read(end - start))

    @storage_call
    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        with self.open(path, "xb" if mode == "create" else "wb") as f:
            f.write(value)

    @storage_call
    def touch(self, path: str, truncate: bool = True, **kwargs: Any) -> None:
        if truncate or not self.exists(path):
            self.pipe_file(path, b"")

    @storage_call
    def put_file(self, lpath: str, rpath: str, callback: Callback = DEFAULT_CALLBACK,
                 mode: str = "overwrite", **kwargs: Any) -> None:
        if os.path.isdir(lpath):
            self.makedirs(rpath, exist_ok=True)
            return
        size = os.path.getsize(lpath)
        callback.set_size(size)
        with open(lpath, "rb") as src, self.open(rpath, "wb") as dst:
            while True:
                block = src.read(_COPY_BLOCK)
                if not block:
                    break
                dst.write(block)
                callback.relative_update(len(block))

    @storage_call
    def get(self, rpath: str | list[str], lpath: str | list[str], recursive: bool = False,
            callback: Callback = DEFAULT_CALLBACK, maxdepth: int | None = None,
            **kwargs: Any) -> None:
        """Decrypt files and folders to the local filesystem."""
        if isinstance(rpath, list) and isinstance(lpath, list):
            sources, targets = rpath, lpath
        else:
            sources = expand_sources(self, rpath, recursive, maxdepth)
            if not sources:
                return
            if not isinstance(lpath, str):
                raise ValueError("copying to a list of targets needs a list of sources")
            local = make_path_posix(lpath)
            dest_is_dir = trailing_sep(local) or LocalFileSystem().isdir(local)
            pattern = isinstance(rpath, str) and is_pattern(self, rpath)
            targets = plan_targets(rpath, sources, local, dest_is_dir, pattern)
            # Names come from the vault: none may place a file outside the destination.
            check_contained(local, targets)
        callback.set_size(len(targets))
        for source, target in callback.wrap(zip(sources, targets, strict=True)):
            with callback.branched(source, target) as child:
                self.get_file(source, target, callback=child, **kwargs)

    @storage_call
    def get_file(self, rpath: str, lpath: str, callback: Callback = DEFAULT_CALLBACK,
                 outfile: Any = None, **kwargs: Any) -> None:
        if isfilelike(lpath):
            outfile = lpath
        try:
            node, csize, _ = self._file_node(self._path(rpath))
        except IsADirectoryError:
            if outfile is not None:
                raise
            os.makedirs(lpath, exist_ok=True)
            return
        with self._decrypting(node.contents_path, csize) as src:
            callback.set_size(src.size)
            if outfile is not None:
                _copy(src, outfile, callback)
                return
            # Decrypt to a private hidden sibling first: an interrupted download never
            # leaves a truncated file under the name the user asked for.
            os.makedirs(os.path.dirname(os.path.abspath(lpath)), exist_ok=True)
            with replacing_local_file(lpath) as dst:
                _copy(src, dst, callback)

    @storage_call
    def verify_file(self, path: str, progress: Callable[[int], None] | None = None) -> int:
        """Authenticate every chunk of a file; returns its size or raises AuthenticationError."""
        node, csize, _ = self._file_node(self._path(path))
        return self.verify_ciphertext(node.contents_path, csize, progress)

    @storage_call
    def verify_ciphertext(self, ciphertext_path: str, ciphertext_size: int,
                          progress: Callable[[int], None] | None = None) -> int:
        """verify_file of the encrypted file (or symlink.c9r) at a storage path, as a
        listing found it: for a walk that must not look entries up by name again."""
        if self.mapper.cleartext_size(ciphertext_size) is None:
            raise VaultCorruptError(
                f"{ciphertext_size} bytes of ciphertext cannot be a whole encrypted file "
                "(truncated or partly written?)")
        with self._decrypting(ciphertext_path, ciphertext_size) as reader:
            total = 0
            while True:
                block = reader.read(_COPY_BLOCK)
                if not block:
                    return total
                total += len(block)
                if progress is not None:
                    progress(total)

    def _file_node(self, path: str) -> tuple[Node, int, int]:
        """The node of an existing file, its ciphertext size and its cleartext size."""
        if not path:
            raise IsADirectoryError("the vault root is a directory")
        node = self.mapper.node(path)
        found = self.mapper.stat(node)
        if found is None:
            raise FileNotFoundError(path)
        kind, raw = found
        if kind is not NodeKind.FILE:
            raise IsADirectoryError(path)
        csize = int(raw["size"])
        size = self.mapper.cleartext_size(csize)
        if size is None:
            raise VaultCorruptError(
                f"file {path!r} is damaged: {csize} bytes of ciphertext cannot be a whole "
                "encrypted file (truncated or partly written?)"
            )
        return node, csize, size

    @contextlib.contextmanager
    def _decrypting(self, ciphertext_path: str, csize: int) -> Iterator[DecryptingReader]:
        """A whole file's cleartext, front to back, from as few storage requests as can be."""
        with open_sequential(self.storage, ciphertext_path) as raw:
            yield DecryptingReader(raw, self.cryptor.content, csize)

    def walk(self, path: str, maxdepth: int | None = None, topdown: bool = True,
             on_error: Any = "omit", **kwargs: Any) -> Iterator[Any]:
        """fsspec's walk, with two differences. An unreachable storage raises: by default
        fsspec skips folders whose listing fails, which would pass an outage off as no
        files. And each folder is walked once: one reached again under another name
        (two nodes naming one directory id) is listed with `alias_of` in its info,
        the path it was first reached by, and not descended (see visits.py).
        """
        if maxdepth is not None and maxdepth < 1:
            raise ValueError("maxdepth must be at least 1")
        if on_error == "omit":
            on_error = _raise_if_unavailable
        detail = kwargs.pop("detail", False)
        top = self._path(path)
        try:
            visits = FolderVisits(self.mapper, top)
        except (FileNotFoundError, NotADirectoryError):
            visits = None  # not a folder: ls below says what it is
        yield from self._walk(top, visits, maxdepth, topdown, on_error, detail, kwargs)

    def _walk(self, path: str, visits: FolderVisits | None, maxdepth: int | None,
              topdown: bool, on_error: Any, detail: bool, kwargs: dict[str, Any]
              ) -> Iterator[Any]:
        try:
            listing = self.ls(path, detail=True, **kwargs)
        except OSError as exc:
            if on_error == "raise":
                raise
            if callable(on_error):
                on_error(exc)
            return
        dirs: dict[str, dict[str, Any]] = {}
        files: dict[str, dict[str, Any]] = {}
        descend: list[str] = []
        for info in listing:
            name = info["name"].rpartition("/")[2]
            if info["type"] == "directory" and info["name"] != path:
                dirs[name] = info
                try:
                    first = None if visits is None else visits.alias_of(info["name"], info)
                except FileNotFoundError:
                    continue  # removed since it was listed: nothing to walk
                if first is None:
                    descend.append(name)
                else:
                    dirs[name] = {**info, "alias_of": first}
            elif info["name"] == path:
                files[""] = info
            else:
                files[name] = info
        shown: tuple[Any, Any] = (dirs, files) if detail else (list(dirs), list(files))
        if topdown:
            yield path, *shown
        if maxdepth is None or maxdepth > 1:
            deeper = None if maxdepth is None else maxdepth - 1
            for name in descend:
                if topdown and name not in shown[0]:
                    continue  # the caller pruned it, as os.walk allows
                yield from self._walk(join(path, name), visits, deeper, topdown, on_error,
                                      detail, kwargs)
        if not topdown:
            yield path, *shown

    @storage_call
    def check_directory(self, path: str) -> None:
        """Raise VaultCorruptError if a directory's nodes are damaged."""
        self.mapper.list_dir(self._path(path))

    def invalidate_cache(self, path: str | None = None) -> None:
        if path is None:
            self.mapper.forget_all()
        else:
            self.mapper.forget(self._path(path))


def _raise_if_unavailable(exc: OSError) -> None:
    """walk()'s on_error: skip folders that vanished, but never an unreachable storage."""
    if isinstance(exc, StorageUnavailableError):
        raise exc


def _copy(src: Any, dst: Any, callback: Callback) -> None:
    while True:
        block = src.read(_COPY_BLOCK)
        if not block:
            return
        dst.write(block)
        callback.relative_update(len(block))


__all__ = ["VaultCorruptError", "VaultFileSystem"]


def _reopen(location: VaultLocation, key_source: KeySource, auto_mkdir: bool,
            resolve_conflicts: bool) -> VaultFileSystem | LockedVault:
    """Unpickle a VaultFileSystem: open the vault again with its key source.

    Without a key here it unpickles as a LockedVault, which raises the KeySourceError on
    first use: an error while unpickling, on a Dask `distributed` worker, is only logged
    there and leaves the task pending for ever, while an error in the task reaches the user.
    """
    args = (location, key_source, auto_mkdir, resolve_conflicts)
    try:
        return VaultFileSystem(fs=location.fs, root=location.root, key_source=key_source,
                               auto_mkdir=auto_mkdir, resolve_conflicts=resolve_conflicts)
    except KeySourceError as exc:
        return LockedVault(str(exc), args)


class LockedVault:
    """A vault unpickled where its key source has no key: every use raises KeySourceError."""

    def __init__(self, reason: str, args: tuple[Any, ...]) -> None:
        self._reason = reason
        self._args = args

    def __repr__(self) -> str:
        return f"LockedVault({self._args[0].url!r})"

    def __reduce__(self) -> Any:
        return (_reopen, self._args)

    def __getattr__(self, name: str) -> Any:
        raise KeySourceError(self._reason)
