"""Authenticate every chunk of every file in a vault (or a folder of it) and list the bad ones.

Verification never writes: it lists through a read-only mapper, so sync-conflict copies
are reported (and verified) instead of being resolved, and it walks by directory id from
what each listing found, so entries whose names cannot be looked up (`..`, a `/` in the
name) are reported rather than followed, and a folder reached twice is walked once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vaultui.crypto.constants import ROOT_DIR_ID
from vaultui.crypto.errors import VaultError
from vaultui.crypto.stream import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import Entry, NodeKind, PathMapper, norm_path
from vaultui.tasks.clean import Leftover, find_leftovers
from vaultui.tasks.job import Job
from vaultui.tasks.localnames import local_name_problem, vault_name_problem


@dataclass(frozen=True)
class Problem:
    """A file or folder that failed verification, and why (never any key material)."""

    path: str
    reason: str


@dataclass
class VerifyResult:
    files: int = 0
    bytes: int = 0
    #: Damage: data that does not authenticate, or cannot be reached or named.
    problems: list[Problem] = field(default_factory=list)
    #: Worth knowing but not damage: sync-conflict copies, names `get` cannot export,
    #: writes in progress (or interrupted) that hold no data yet.
    notes: list[Problem] = field(default_factory=list)
    #: What interrupted writes left (harmless to the vault; `clean` removes it).
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _File:
    path: str
    ciphertext_path: str
    ciphertext_size: int
    size: int


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _child(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class VerifyVault(Job):
    """Decrypt and authenticate everything under `path`; damaged items are collected, not raised.

    Errors of the storage itself (unreachable, permission denied) still raise: they say
    nothing about the vault's integrity.
    """

    def __init__(self, vfs: VaultFileSystem, path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.mapper: PathMapper = vfs.mapper.read_only()
        self.path = norm_path(path)
        self.result = VerifyResult()

    def _bad(self, path: str, reason: str) -> None:
        self.result.problems.append(Problem(path or "/", reason))

    def _note(self, path: str, reason: str) -> None:
        self.result.notes.append(Problem(path or "/", reason))

    def _storage_name(self, storage_path: str) -> str:
        root = self.mapper.root.rstrip("/")
        return storage_path[len(root) + 1:] if root and storage_path.startswith(
            root + "/") else storage_path

    def prepare(self) -> list[_File]:
        """Walk the tree; everything that is not a verifiable file is recorded here."""
        mapper = self.mapper
        dir_id = ROOT_DIR_ID
        if self.path:
            node = mapper.node(self.path)
            found = mapper.stat(node)
            if found is None:
                raise FileNotFoundError(self.path)
            kind, raw = found
            if kind is not NodeKind.DIRECTORY:
                csize = int(raw.get("size") or 0)
                data = node.contents_path if kind is NodeKind.FILE else node.symlink_path
                return [_File(self.path, data, csize, mapper.cleartext_size(csize) or 0)]
            dir_id = mapper.dir_id(self.path)
        files: list[_File] = []
        seen = {dir_id: self.path or "/"}
        stack = [(self.path, dir_id)]
        while stack:
            self.check_cancelled()
            folder, folder_id = stack.pop()
            try:
                listing = mapper.listing(folder_id, folder)
            except VaultError as exc:
                self._bad(folder, _reason(exc))
                continue
            for skipped in listing.skipped:
                report = self._bad if skipped.damaged else self._note
                report(folder, f"{self._storage_name(skipped.node_path)}: {skipped.reason}")
            # No resolver: conflict copies stay as listed, under their conflict names.
            entries = mapper.resolve_conflicts(folder, folder_id, mapper.entries(listing))
            # Originals first, so a duplicate conflict copy of a folder is the one noted.
            entries.sort(key=lambda e: (e.conflict_of is not None, e.name))
            for entry in entries:
                child = self._check_entry(folder, entry, seen, files)
                if child is not None:
                    stack.append(child)
        return sorted(files, key=lambda f: f.path)

    def _check_entry(self, folder: str, entry: Entry, seen: dict[str, str],
                     files: list[_File]) -> tuple[str, str] | None:
        """Record what is wrong with one entry; a subfolder to walk, if it is one."""
        path = _child(folder, entry.name)
        bad_name = vault_name_problem(entry.name)
        if bad_name is not None:
            self._bad(path, f"{bad_name} (stored as {self._storage_name(entry.node_path)})")
            return None
        unexportable = local_name_problem(entry.name)
        if unexportable is not None:
            self._note(path, f"{unexportable}; `get` cannot export it")
        if entry.conflict_of is not None:
            self._note(path, f"a sync-conflict copy of {entry.conflict_of!r} (a sync client "
                             "kept both versions); listing the folder in vaultui or "
                             "Cryptomator gives it a name of its own")
        if entry.kind is NodeKind.DIRECTORY:
            return self._subfolder(folder, path, entry, seen)
        csize = int(entry.info.get("size") or 0)
        if entry.size is None:
            self._bad(path, "the encrypted file has an impossible size (truncated or not a "
                            "vault file)")
            return None
        size = entry.size if entry.kind is NodeKind.FILE else (
            self.mapper.cleartext_size(csize) or 0)
        files.append(_File(path, entry.ciphertext_path, csize, size))
        return None

    def _subfolder(self, folder: str, path: str, entry: Entry, seen: dict[str, str]
                   ) -> tuple[str, str] | None:
        try:
            dir_id = self.mapper.read_dir_file(entry.ciphertext_path, path)
        except VaultError as exc:
            self._bad(path, _reason(exc))
            return None
        except FileNotFoundError:
            self._note(path, "removed while verify ran")
            return None
        first = seen.get(dir_id)
        if first is None:
            seen[dir_id] = path
            return path, dir_id
        if entry.conflict_of is not None and first == _child(folder, entry.conflict_of):
            return None  # a duplicate conflict copy: noted above, its folder walked once
        self._bad(path, f"names the same folder as {first!r} (two folder nodes share one "
                        "directory id; an interrupted move can leave this); walked once")
        return None

    def run(self, files: list[_File] | None = None) -> VerifyResult:
        files = files if files is not None else self.prepare()
        self.start_counting(len(files), sum(f.size for f in files))
        self.run_all(files, self._verify)
        self.result.files = self.counter.files_done
        self.result.bytes = self.counter.bytes_done
        self.result.problems.sort(key=lambda p: p.path)
        self.result.notes.sort(key=lambda p: p.path)
        if not self.path:
            self.result.leftovers = find_leftovers(self.vfs.location)
        return self.result

    def _verify(self, item: _File) -> None:
        done = 0

        def step(total: int) -> None:
            nonlocal done
            self.check_cancelled()
            self.counter.add_bytes(total - done, item.path)
            done = total

        try:
            self.vfs.verify_ciphertext(item.ciphertext_path, item.ciphertext_size,
                                       progress=step)
        except CancelledError:
            raise
        except VaultError as exc:
            self.result.problems.append(Problem(item.path, _reason(exc)))
        except FileNotFoundError:
            self.result.notes.append(Problem(item.path, "removed while verify ran"))
        self.counter.file_done(item.path)
