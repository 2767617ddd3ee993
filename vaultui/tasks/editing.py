"""Opened copies of vault files: made, watched for edits, and edits saved back to the vault.

Opening a file decrypts a copy into a private folder (privatedir.py) for another
application. `OpenedCopies` records, per copy, which vault file it came from, the
version of that file it matches (`VaultVersion`: ciphertext size, time and a hash of the
ciphertext header, whose random nonce is new on every write) and the state of the copy
when it last matched the vault (`LocalState`: size, mtime, inode and a SHA-256 of the
bytes). An edit is a copy whose state differs from that: stat first, the hash to confirm
(an editor that saves by writing a temporary file and renaming it changes the inode).

`WriteBack` encrypts an edited copy into the vault. When the vault's file changed since
the copy was made (another device, another user), the edit goes next to it under a
keep-both name (naming.py) instead of over it, and later saves of that copy follow it
there: nothing anyone wrote is overwritten. (A write landing between the version check
and the upload is not caught: the check is one ranged read just before the upload.)

The records are kept in the private folder (`copies.json`, replaced atomically and
written before the copy is handed to any application), so that after a crash
`recover` can tell edited copies, which it keeps for the user to save or discard, from
untouched ones, which it removes with the rest of the dead run's folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import secrets
import shutil
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path
from vaultui.tasks.job import BLOCK_SIZE, Job
from vaultui.tasks.naming import keep_both_name
from vaultui.tasks.privatedir import PrivateFolder, dead_folders
from vaultui.tasks.transfer import DecryptTree, PartialTransferError

MANIFEST = "copies.json"
#: The longest file header of the cipher combos (AES-CTR + HMAC: 88 bytes; AES-GCM: 68).
_HEADER_PROBE = 88
_TIME_KEYS = ("mtime", "LastModified", "last_modified")
#: A manifest larger than this is not one we wrote (bounded read of a file in /tmp).
_MANIFEST_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class VaultVersion:
    """One written version of a vault file, as its storage shows it (no key material)."""

    ciphertext_size: int | None
    modified: str
    header: str  # SHA-256 of the ciphertext header: its nonce is random on every write


@dataclass(frozen=True)
class LocalState:
    """A local file's bytes and the stat that last went with them."""

    size: int
    mtime_ns: int
    inode: int
    digest: str  # SHA-256 of the content

    def same_stat(self, st: os.stat_result) -> bool:
        return (st.st_size, st.st_mtime_ns, st.st_ino) == (self.size, self.mtime_ns, self.inode)


def vault_version(fs: VaultFileSystem, path: str) -> VaultVersion | None:
    """The version of vault file `path` now, or None when there is no file at `path`."""
    try:
        info = fs.info(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if info["type"] != "file":
        return None
    modified = next((str(info[k]) for k in _TIME_KEYS if k in info), "")
    head = fs.storage.cat_file(info["ciphertext_path"], start=0, end=_HEADER_PROBE)
    size = info.get("ciphertext_size")
    return VaultVersion(int(size) if size is not None else None, modified,
                        hashlib.sha256(bytes(head)).hexdigest())


def local_state(path: str) -> LocalState:
    """Stat and hash a local file (block by block: memory stays flat)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        digest = hashlib.sha256()
        while block := f.read(BLOCK_SIZE):
            digest.update(block)
    return LocalState(st.st_size, st.st_mtime_ns, st.st_ino, digest.hexdigest())


@dataclass
class OpenedCopy:
    """A decrypted copy of a vault file given to another application.

    `version` is the vault file's version the copy was last in step with (None: there was
    no file); `synced` the copy's state at that moment. Mutated only under its registry's
    lock.
    """

    id: str
    vault_path: str
    local_path: str
    version: VaultVersion | None
    synced: LocalState

    @property
    def name(self) -> str:
        return posixpath.basename(self.vault_path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpenedCopy:
        version = data.get("version")
        return cls(str(data["id"]), str(data["vault_path"]), str(data["local_path"]),
                   VaultVersion(**version) if version else None,
                   LocalState(**data["synced"]))


def _edited(local_path: str, synced: LocalState) -> bool:
    """Whether the file at `local_path` differs from the bytes last in step with the vault."""
    try:
        st = os.stat(local_path)
    except FileNotFoundError:
        # An editor saving by rename has the file missing for a moment: not an edit yet.
        return False
    if synced.same_stat(st):
        return False
    try:
        return local_state(local_path).digest != synced.digest
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class WriteBackResult:
    """What saving an edited copy did."""

    copy: OpenedCopy
    #: The vault path that received the edit (a keep-both name after a conflict).
    vault_path: str
    #: False when the copy had not changed after all (nothing was written).
    uploaded: bool
    #: The vault's file had changed since the copy was made: the edit went beside it.
    conflict: bool
    #: The vault path the edit was meant for.
    original: str


def _read_manifest(folder: str) -> list[OpenedCopy] | None:
    """The records in `folder` ([] without a manifest), or None if it cannot be read."""
    path = os.path.join(folder, MANIFEST)
    try:
        with open(path, "rb") as f:
            raw = f.read(_MANIFEST_LIMIT + 1)
    except FileNotFoundError:
        return []
    except OSError:
        return None
    if len(raw) > _MANIFEST_LIMIT:
        return None
    try:
        data = json.loads(raw)
        return [OpenedCopy.from_json(entry) for entry in data["copies"]]
    except (ValueError, KeyError, TypeError):
        return None


def _write_manifest(folder: str, vault_key: str, copies: Iterable[OpenedCopy]) -> None:
    path = os.path.join(folder, MANIFEST)
    tmp = f"{path}.{secrets.token_hex(4)}.tmp"
    data = {"vault": vault_key, "copies": [c.to_json() for c in copies]}
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # never a half-written manifest, even in a crash


def _manifest_vault(folder: str) -> str:
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as f:
            return str(json.loads(f.read(_MANIFEST_LIMIT))["vault"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


class OpenedCopies:
    """The opened copies of one vault's files, in one private folder. Thread-safe.

    `vault_key` says which vault the copies belong to when a later run finds them (the
    front end picks it; the GUI uses the vault's location URL).
    """

    def __init__(self, fs: VaultFileSystem, folder: PrivateFolder, vault_key: str) -> None:
        self.fs = fs
        self.folder = folder
        self.vault_key = vault_key
        self._lock = threading.Lock()
        self._copies: dict[str, OpenedCopy] = {}

    # -- records ---------------------------------------------------------------------

    def copies(self) -> list[OpenedCopy]:
        with self._lock:
            return list(self._copies.values())

    def find(self, local_path: str) -> OpenedCopy | None:
        """The copy at `local_path`, or whose private subfolder `local_path` is."""
        target = os.path.abspath(local_path)
        with self._lock:
            for copy in self._copies.values():
                if target in (copy.local_path, os.path.dirname(copy.local_path)):
                    return copy
        return None

    def _save(self) -> None:
        # Called with the lock held.
        _write_manifest(self.folder.path, self.vault_key, self._copies.values())

    def _put(self, copy: OpenedCopy) -> None:
        with self._lock:
            self._copies[copy.id] = copy
            self._save()

    # -- opening ---------------------------------------------------------------------

    def open(self, vault_path: str, *, progress: Any = None,
             cancel: threading.Event | None = None) -> OpenedCopy:
        """Decrypt vault file `vault_path` into a new private subfolder and record it.

        The vault's version is read first: a change that lands while decrypting shows
        as a conflict later (the edit is kept beside it), never as a silent overwrite.
        """
        path = norm_path(vault_path)
        version = vault_version(self.fs, path)
        if version is None:
            raise FileNotFoundError(f"/{path} is not a file in the vault")
        sub = self.folder.subfolder("copy-")
        try:
            result = DecryptTree(self.fs, [path], sub, progress=progress, cancel=cancel).run()
            if result.failures:  # damaged, or a name this disk cannot hold
                raise PartialTransferError(result)
            local = os.path.join(sub, posixpath.basename(path))
            copy = OpenedCopy(secrets.token_hex(8), path, local, version, local_state(local))
            self._put(copy)  # recorded before any application gets the copy
        except BaseException:
            shutil.rmtree(sub, ignore_errors=True)
            raise
        return copy

    # -- edits -----------------------------------------------------------------------

    def is_edited(self, copy: OpenedCopy) -> bool:
        """Whether the copy holds bytes the vault does not have yet."""
        with self._lock:
            local, synced = copy.local_path, copy.synced
        return _edited(local, synced)

    def edited(self) -> list[OpenedCopy]:
        """The copies with edits not yet in the vault."""
        return [c for c in self.copies() if self.is_edited(c)]

    def write_back(self, copy: OpenedCopy, **kwargs: Any) -> WriteBack:
        """A job that saves `copy`'s edit into the vault (run it on any thread)."""
        return WriteBack(self, copy, **kwargs)

    def _synced(self, copy: OpenedCopy, vault_path: str, version: VaultVersion | None,
                state: LocalState) -> None:
        with self._lock:
            copy.vault_path, copy.version, copy.synced = vault_path, version, state
            if copy.id in self._copies:
                self._save()

    # -- forgetting ------------------------------------------------------------------

    def discard(self, copy: OpenedCopy) -> None:
        """Forget a copy and delete it (and its private subfolder)."""
        with self._lock:
            self._copies.pop(copy.id, None)
            self._save()
        shutil.rmtree(os.path.dirname(copy.local_path), ignore_errors=True)

    def close(self, keep_edited: bool = False) -> list[OpenedCopy]:
        """Remove the private folder, or with `keep_edited` leave the edited copies in it.

        Kept copies stay recorded in the folder, which is released: a later run (or this
        one, on the next unlock) finds them with `recover`. Returns the copies kept.
        """
        kept = self.edited() if keep_edited else []
        if not kept:
            with self._lock:
                self._copies.clear()
            self.folder.remove()
            return []
        keep_dirs = {os.path.dirname(c.local_path) for c in kept}
        with self._lock:
            self._copies = {c.id: c for c in kept}
            self._save()
        _prune(self.folder.path, keep_dirs)
        self.folder.release()
        return kept

    # -- copies a previous run left --------------------------------------------------

    def adopt(self, orphan: OrphanCopy) -> OpenedCopy:
        """Take over an edited copy a crashed or locked run left (see `recover`).

        The copy moves into this registry's folder and stays edited: saving it back checks
        the vault's version it was opened at, as for any other copy.
        """
        sub = self.folder.subfolder("copy-")
        local = os.path.join(sub, os.path.basename(orphan.copy.local_path))
        os.replace(orphan.copy.local_path, local)
        copy = OpenedCopy(secrets.token_hex(8), orphan.copy.vault_path, local,
                          orphan.copy.version, orphan.copy.synced)
        self._put(copy)
        orphan.forget()
        return copy


def _prune(folder: str, keep_dirs: set[str]) -> None:
    """Delete everything in a private folder but its records and the kept subfolders."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name in (MANIFEST, ".owner") or path in keep_dirs:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _inside(folder: str, path: str) -> bool:
    folder = os.path.abspath(folder)
    return os.path.dirname(os.path.dirname(os.path.abspath(path))) == folder


class WriteBack(Job):
    """Encrypt an edited copy into the vault: over its file, or beside it after a conflict.

    Progress counts the copy's bytes. The vault's file is replaced only once the new
    version is complete (a cancel or an error leaves the old one). Bytes the application
    writes during the upload show as a new edit afterwards, and go in the next write-back.
    """

    def __init__(self, copies: OpenedCopies, copy: OpenedCopy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.copies = copies
        self.copy = copy

    def run(self) -> WriteBackResult:
        copies, copy, fs = self.copies, self.copy, self.copies.fs
        original = copy.vault_path
        with open(copy.local_path, "rb") as src:
            st = os.fstat(src.fileno())
            self.start_counting(1, st.st_size)
            current = vault_version(fs, original)
            conflict = current is not None and current != copy.version
            target = original
            if conflict:
                folder = posixpath.dirname(original)
                taken = {posixpath.basename(p) for p in fs.ls(folder, detail=False)}
                target = posixpath.join(folder, keep_both_name(copy.name, taken))
            digest = hashlib.sha256()
            with fs.open(target, "wb") as dst:
                # Leaving this block by an exception (a cancel included) discards the write.
                while block := src.read(BLOCK_SIZE):
                    self.check_cancelled()
                    digest.update(block)
                    dst.write(block)
                    self.counter.add_bytes(len(block), target)
        self.counter.file_done(target)
        state = LocalState(st.st_size, st.st_mtime_ns, st.st_ino, digest.hexdigest())
        copies._synced(copy, target, vault_version(fs, target), state)
        return WriteBackResult(copy, target, True, conflict, original)


# -- after a crash ----------------------------------------------------------------------


@dataclass(eq=False)
class OrphanCopy:
    """An edited copy that a run which ended without saving it left in its private folder."""

    vault_key: str
    copy: OpenedCopy
    folder: PrivateFolder

    def discard(self) -> None:
        """Delete the copy (the user chose to)."""
        shutil.rmtree(os.path.dirname(self.copy.local_path), ignore_errors=True)
        self.forget()

    def forget(self) -> None:
        """Drop the record (the copy was moved or deleted); the folder goes with its last."""
        folder = self.folder.path
        records = _read_manifest(folder) or []
        left = [r for r in records if r.id != self.copy.id and os.path.exists(r.local_path)]
        if left:
            _write_manifest(folder, self.vault_key, left)
        else:
            self.folder.remove()


def recover(base: str | None = None) -> list[OrphanCopy]:
    """Clean up the private folders of runs that are gone; return their edited copies.

    Untouched copies (and drag copies, and anything unrecorded) are deleted with the
    folder. Copies edited after they were opened are never deleted here: they stay, each
    returned as an OrphanCopy whose folder the caller now owns, until the user has them
    saved (`OpenedCopies.adopt`) or discarded. A folder whose records cannot be read is
    left alone (and released): what it holds cannot be told apart.
    """
    orphans: list[OrphanCopy] = []
    for folder in dead_folders(base):
        records = _read_manifest(folder.path)
        if records is not None and not all(_inside(folder.path, r.local_path)
                                           for r in records):
            records = None  # not what we wrote: delete nothing it names
        if records is None:
            folder.release()
            continue
        kept = [r for r in records if _edited(r.local_path, r.synced)]
        if not kept:
            folder.remove()
            continue
        vault_key = _manifest_vault(folder.path)
        _write_manifest(folder.path, vault_key, kept)
        _prune(folder.path, {os.path.dirname(r.local_path) for r in kept})
        orphans.extend(OrphanCopy(vault_key, r, folder) for r in kept)
    return orphans
