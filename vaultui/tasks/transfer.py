"""Copy trees between local folders and a vault: encrypt in (`put`), decrypt out (`get`)."""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import shutil
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultui.crypto.errors import CancelledError, VaultError
from vaultui.fs.errors import StorageUnavailableError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.localfile import replacing_local_file
from vaultui.fs.nodes import NodeKind, norm_path, split_path
from vaultui.fs.unreachable import translate_unreachable
from vaultui.tasks.job import BLOCK_SIZE, Job
from vaultui.tasks.localnames import distinct_names, name_max, unusable_name, vault_name_problem


@dataclass(frozen=True)
class FileCopy:
    """One file to copy: where from, where to, how many cleartext bytes."""

    source: str
    target: str
    size: int


@dataclass
class TransferPlan:
    """Folders to create (parents first) and files to copy."""

    dirs: list[str] = field(default_factory=list)
    files: list[FileCopy] = field(default_factory=list)
    #: Entries found while planning that cannot be copied (see DecryptTree).
    failures: list[EntryFailure] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)

    @property
    def bytes_total(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class EntryFailure:
    """A vault entry a transfer could not copy, and why (a reason for the user, no secret)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Renamed:
    """A vault entry copied under another local name than its own, and why."""

    path: str
    local: str
    reason: str


@dataclass(frozen=True)
class TransferResult:
    files: int
    bytes: int
    dirs: int
    #: Entries left out, each with its reason; the others were copied all the same.
    failures: tuple[EntryFailure, ...] = ()
    #: Entries copied under another name (a twin in another Unicode form took theirs).
    renamed: tuple[Renamed, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.failures


class PartialTransferError(Exception):
    """Some entries could not be copied; the rest were. `result` lists which and why."""

    def __init__(self, result: TransferResult) -> None:
        count = len(result.failures)
        first = result.failures[0]
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{count} item{'s' if count != 1 else ''} could not be copied: "
                         f"{first.path or '/'}: {first.reason}{more}")
        self.result = result


#: Files up to this size are put in one piece (read whole, encrypted, written at once).
SMALL_FILE = 256 * 1024


def vault_join(*parts: str) -> str:
    return norm_path("/".join(p for p in parts if p))


def _copy(job: Job, src: Any, dst: Any, label: str) -> None:
    while True:
        job.check_cancelled()
        block = src.read(BLOCK_SIZE)
        if not block:
            return
        dst.write(block)
        job.counter.add_bytes(len(block), label)


class EncryptTree(Job):
    """Encrypt local files and folders into a vault folder, which is created if needed.

    Each source lands inside `dest` under its own name, or the one source under `name`
    (the app's "keep both"); folders are copied with everything under them. A file appears
    in the vault only once it is complete, and the folders this job created go again when
    it fails or is cancelled: the vault is left as it was, but for files complete before.
    """

    def __init__(self, vfs: VaultFileSystem, sources: Sequence[str], dest: str, *,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.sources = list(sources)
        self.dest = norm_path(dest)
        if name is not None:
            if len(self.sources) != 1:
                raise ValueError("a target name takes exactly one source")
            problem = vault_name_problem(name)
            if problem is not None:
                raise ValueError(f"invalid target name: {problem}")
        self.name = name

    @property
    def targets(self) -> list[str]:
        """Where each source lands in the vault."""
        return [vault_join(self.dest, self.name or os.path.basename(os.path.normpath(s)))
                for s in self.sources]

    def prepare(self) -> TransferPlan:
        """Scan the sources (nothing is written); raises if one is missing."""
        plan = TransferPlan()
        for source, top in zip(self.sources, self.targets, strict=True):
            if not os.path.lexists(source):
                raise FileNotFoundError(f"no such file or folder: {source}")
            if os.path.isdir(source):
                plan.dirs.append(top)
                for dirpath, dirnames, filenames in os.walk(source):
                    dirnames.sort()
                    rel = os.path.relpath(dirpath, source)
                    base = top if rel == "." else vault_join(top, rel.replace(os.sep, "/"))
                    plan.dirs.extend(vault_join(base, d) for d in dirnames)
                    for f in sorted(filenames):
                        local = os.path.join(dirpath, f)
                        plan.files.append(FileCopy(local, vault_join(base, f),
                                                   os.path.getsize(local)))
            else:
                plan.files.append(FileCopy(source, top, os.path.getsize(source)))
        return plan

    def run(self, plan: TransferPlan | None = None) -> TransferResult:
        plan = plan if plan is not None else self.prepare()
        self.start_counting(len(plan.files), plan.bytes_total)
        if self.dest and self.vfs.isfile(self.dest):
            raise NotADirectoryError(f"{self.dest} is a file in the vault")
        created = self._new_folders(plan)
        try:
            if self.dest:
                self.vfs.makedirs(self.dest, exist_ok=True)
            for d in sorted(set(plan.dirs), key=lambda p: p.count("/")):
                self.check_cancelled()
                self.vfs.makedirs(d, exist_ok=True)
            self.run_all(plan.files, self._put)
        except BaseException:
            # Each file is whole or absent already; the folders made for it go too, so a
            # cancel leaves the vault as it was. A replaced file was never touched.
            for folder in created:
                with contextlib.suppress(Exception):
                    self.vfs.rm(folder, recursive=True)
            raise
        return TransferResult(self.counter.files_done, self.counter.bytes_done, len(plan.dirs))

    def _new_folders(self, plan: TransferPlan) -> list[str]:
        """The topmost vault folders `run` will create: what to remove if it fails."""
        if self.dest and not self.vfs.exists(self.dest):
            top = self.dest
            while (parent := posixpath.dirname(top)) and not self.vfs.exists(parent):
                top = parent
            return [top]
        return [d for d in dict.fromkeys(plan.dirs)
                if posixpath.dirname(d) == self.dest and not self.vfs.exists(d)]

    def _put(self, item: FileCopy) -> None:
        with open(item.source, "rb") as src:
            head = b""
            if item.size <= SMALL_FILE and stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                # Read whole and written in one call: for small files the per-file work
                # of a streaming write is most of the cost (VaultFileSystem.pipe_file).
                self.check_cancelled()
                head = src.read(SMALL_FILE + 1)
                if len(head) <= SMALL_FILE:
                    self.vfs.pipe_file(item.target, head)
                    self.counter.add_bytes(len(head), item.target)
                    self.counter.file_done(item.target)
                    return
            with self.vfs.open(item.target, "wb") as dst:
                # Leaving this block by an exception (a cancel included) discards the
                # write. A file that grew past SMALL_FILE goes on from what was read.
                if head:
                    dst.write(head)
                    self.counter.add_bytes(len(head), item.target)
                _copy(self, src, dst, item.target)
        self.counter.file_done(item.target)


def _inside(folder: str, path: str) -> bool:
    folder = os.path.abspath(folder)
    return os.path.commonpath([folder, os.path.abspath(path)]) == folder


#: Local errors that concern one entry: its name, or what is already at its place.
_ENTRY_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL})


def entry_failure(exc: BaseException) -> str | None:
    """The reason to report for an entry that failed with `exc`, or None if `exc` must stop
    the whole job: a cancel, an unreachable storage, a full disk fail every entry alike."""
    if isinstance(exc, (CancelledError, StorageUnavailableError)) or not isinstance(
            exc, Exception):
        return None
    if isinstance(exc, VaultError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError,
                        FileExistsError, PermissionError)) or (
            isinstance(exc, OSError) and exc.errno in _ENTRY_ERRNOS):
        if exc.strerror and exc.filename:
            return f"{exc.filename}: {exc.strerror}"
        return str(exc) or type(exc).__name__
    return None


#: Why an entry was given another local name (see localnames.distinct_names).
_TWIN = ("another entry of its folder has the same name, or the same in another Unicode form "
         "(NFC/NFD), which most desktop filesystems take for one name")


class DecryptTree(Job):
    """Decrypt vault files and folders to the local disk, the way `cp -r SRC... DEST` copies.

    Where the sources land:

    - several sources, or `dest` an existing folder or ending in a separator: each source
      goes into the folder `dest` (created if needed) under its own name;
    - one source and `dest` missing (or a file, for a file source): `dest` becomes the
      copy, so `get docs restore` gives `restore/` holding what `docs` holds;
    - the vault root ('' or '/') is its contents: they go into `dest` directly;
    - `exact=True` (the app's "Save as"): `dest` becomes the copy of the one source.

    One bad entry never stops the others: a damaged folder or file, a name that cannot be
    a local file name (`..`, holding `/`, `\\` or NUL, too long), or a local name already
    taken by a folder is left out and listed in the result's `failures` with its reason.
    Names of one folder that differ only in Unicode form (NFC and NFD) are all copied, the
    later ones as `name (2).ext` (listed in `renamed`). A cancel, an unreachable storage or
    a full disk still stop the job.

    A file is decrypted to a private hidden temporary name and renamed when complete, so a
    cancel or an authentication failure never leaves a partial file under the real name.
    A file replaced keeps its permission bits; a new one gets the umask's. When the job
    stops (a cancel, an unreachable storage), the local folders it created go again.
    """

    def __init__(self, vfs: VaultFileSystem, sources: Sequence[str], dest: str, *,
                 exact: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.sources = [norm_path(s) for s in sources]
        self.dest = dest
        self.exact = exact
        if exact and len(self.sources) != 1:
            raise ValueError("an exact destination takes exactly one source")
        self._failures: list[EntryFailure] = []
        self._failures_lock = threading.Lock()
        #: The vault folder each planned local folder copies (to name it in failures).
        self._dir_sources: dict[str, str] = {}
        self._name_max = name_max(dest)

    def _into(self) -> bool:
        """Whether the sources go into the folder `dest` rather than `dest` being the copy."""
        if self.exact:
            return False
        return (len(self.sources) > 1 or self.dest.endswith(("/", os.sep))
                or os.path.isdir(self.dest))

    def _fail(self, path: str, reason: str) -> None:
        with self._failures_lock:
            self._failures.append(EntryFailure(path, reason))

    def prepare(self) -> TransferPlan:
        """Scan the sources (nothing is written). A missing source raises; entries that
        cannot be copied are in the plan's `failures`."""
        plan = TransferPlan()
        into = self._into()
        base = os.path.abspath(self.dest)
        if into and os.path.exists(base) and not os.path.isdir(base):
            raise NotADirectoryError(f"{self.dest} is not a folder")
        tops: set[str] = set()
        for source in self.sources:
            try:
                info = self.vfs.info(source)
            except FileNotFoundError:
                raise  # a mistyped source: nothing is copied, as put does
            except Exception as exc:
                reason = entry_failure(exc)
                if reason is None:
                    raise
                plan.failures.append(EntryFailure(source, reason))
                continue
            top = base
            if into and source:
                name = split_path(info["name"])[-1]
                problem = unusable_name(name, self._name_max)
                if problem is not None:
                    plan.failures.append(EntryFailure(source, problem))
                    continue
                top = os.path.join(base, name)
            if top in tops:
                plan.failures.append(EntryFailure(
                    source, "another source has the same name and is copied there"))
                continue
            tops.add(top)
            if info["type"] == "file":
                plan.files.append(FileCopy(source, top, int(info["size"])))
            elif info["type"] == "directory":
                if not into and os.path.exists(top) and not os.path.isdir(top):
                    raise NotADirectoryError(f"{self.dest} is a file; a folder cannot be "
                                             "copied onto it")
                self._plan_folder(plan, source, top)
            else:
                plan.failures.append(EntryFailure(
                    source, "a symbolic link: only files and folders are copied"))
        return plan

    def _plan_folder(self, plan: TransferPlan, source: str, top: str) -> None:
        """Plan a folder and everything under it; a folder whose listing fails is left out
        (not made empty), parents come before their children.

        Each directory id is visited once: a damaged vault can have two names point at one
        folder, and following both at every level would copy it exponentially often.
        """
        stack = [(source, top)]
        seen: dict[str, str] = {}
        mapper = self.vfs.mapper
        while stack:
            self.check_cancelled()
            folder, local = stack.pop()
            try:
                # The entries with their exact names (ls joins them into paths, and a
                # hostile "a/b" would read as a path); a dead storage still says so.
                with translate_unreachable(self.vfs.location.url):
                    dir_id = mapper.dir_id(folder)
                    first = seen.setdefault(dir_id, folder)
                    if first != folder:
                        plan.failures.append(EntryFailure(
                            folder, f"damaged: the same folder as {first or '/'} (two names "
                            "point at one folder); copied under that name only"))
                        continue
                    entries = mapper.list_dir_id(dir_id, folder)
            except Exception as exc:
                reason = entry_failure(exc)
                if reason is None:
                    raise
                plan.failures.append(EntryFailure(folder or "/", reason))
                continue
            plan.dirs.append(local)
            self._dir_sources[local] = folder
            entries = sorted(entries, key=lambda e: e.name)
            subfolders: list[tuple[str, str]] = []
            for entry, name in zip(entries, distinct_names([e.name for e in entries]),
                                   strict=True):
                path = f"{folder}/{entry.name}" if folder else entry.name
                problem = unusable_name(entry.name, self._name_max) or unusable_name(
                    name, self._name_max)
                if problem is not None:
                    plan.failures.append(EntryFailure(path, problem))
                    continue
                target = os.path.join(local, name)
                if not _inside(local, target):  # unusable_name rules this out; kept as a guard
                    raise ValueError(f"refusing to write outside {local}: {target}")
                if name != entry.name:
                    plan.renamed.append(Renamed(path, target, _TWIN))
                if entry.kind is NodeKind.DIRECTORY:
                    subfolders.append((path, target))
                elif entry.kind is NodeKind.FILE:
                    if entry.size is None:
                        plan.failures.append(EntryFailure(
                            path, "damaged: the encrypted file has an impossible size "
                            "(truncated or not a vault file)"))
                    else:
                        plan.files.append(FileCopy(path, target, entry.size))
            stack.extend(reversed(subfolders))  # visited in name order, depth first

    def run(self, plan: TransferPlan | None = None) -> TransferResult:
        plan = plan if plan is not None else self.prepare()
        self._failures = list(plan.failures)
        self.start_counting(len(plan.files), plan.bytes_total)
        created = self._new_folders(plan)
        try:
            return self._run(plan)
        except BaseException:
            # The files are whole or absent already (see replacing_local_file); what this
            # job copied into folders it made goes with them.
            for folder in created:
                if os.path.isdir(folder) and not os.path.islink(folder):
                    shutil.rmtree(folder, ignore_errors=True)
            raise

    def _new_folders(self, plan: TransferPlan) -> list[str]:
        """The topmost local folders `run` will create: what to remove if it fails."""
        base = os.path.abspath(self.dest)
        if not os.path.lexists(base):
            top = base
            while not os.path.lexists(parent := os.path.dirname(top)) and parent != top:
                top = parent
            return [top]
        return [d for d in dict.fromkeys(plan.dirs)
                if os.path.dirname(d) == base and not os.path.lexists(d)]

    def _run(self, plan: TransferPlan) -> TransferResult:
        failed_dirs: list[str] = []
        for d in plan.dirs:
            self.check_cancelled()
            if any(_inside(f, d) for f in failed_dirs):
                continue
            try:
                os.makedirs(d, exist_ok=True)
            except OSError as exc:
                reason = entry_failure(exc)
                if reason is None:
                    raise
                failed_dirs.append(d)
                self._fail(self._dir_sources.get(d, d),
                           f"{reason} (nothing in it was copied)")
        self.run_all([f for f in plan.files
                      if not any(_inside(d, f.target) for d in failed_dirs)], self._get)
        return TransferResult(
            self.counter.files_done, self.counter.bytes_done, len(plan.dirs),
            tuple(sorted(self._failures, key=lambda f: f.path)), tuple(plan.renamed))

    def _get(self, item: FileCopy) -> None:
        try:
            with self.vfs.open(item.source, "rb") as src:
                os.makedirs(os.path.dirname(item.target), exist_ok=True)
                with replacing_local_file(item.target) as dst:
                    _copy(self, src, dst, item.source)
        except Exception as exc:
            reason = entry_failure(exc)
            if reason is None:
                raise
            self._fail(item.source, reason)
            return
        self.counter.file_done(item.source)
