"""Copy trees between local folders and a vault: encrypt in (`put`), decrypt out (`get`)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path, split_path
from vaultui.tasks.job import BLOCK_SIZE, Job


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
    #: (vault path, the path it names too): second names of one folder, not copied twice.
    aliases: list[tuple[str, str]] = field(default_factory=list)

    @property
    def bytes_total(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class TransferResult:
    files: int
    bytes: int
    dirs: int
    aliases: tuple[tuple[str, str], ...] = ()


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

    Each source lands inside `dest` under its own name; folders are copied with everything
    under them. A file appears in the vault only once it is complete: a cancel or an error
    leaves no partial file behind.
    """

    def __init__(self, vfs: VaultFileSystem, sources: Sequence[str], dest: str,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.sources = list(sources)
        self.dest = norm_path(dest)

    def prepare(self) -> TransferPlan:
        """Scan the sources (nothing is written); raises if one is missing."""
        plan = TransferPlan()
        for source in self.sources:
            if not os.path.lexists(source):
                raise FileNotFoundError(f"no such file or folder: {source}")
            name = os.path.basename(os.path.normpath(source))
            if os.path.isdir(source):
                top = vault_join(self.dest, name)
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
                plan.files.append(FileCopy(source, vault_join(self.dest, name),
                                           os.path.getsize(source)))
        return plan

    def run(self, plan: TransferPlan | None = None) -> TransferResult:
        plan = plan if plan is not None else self.prepare()
        self.start_counting(len(plan.files), plan.bytes_total)
        if self.dest:
            if self.vfs.isfile(self.dest):
                raise NotADirectoryError(f"{self.dest} is a file in the vault")
            self.vfs.makedirs(self.dest, exist_ok=True)
        for d in sorted(set(plan.dirs), key=lambda p: p.count("/")):
            self.check_cancelled()
            self.vfs.makedirs(d, exist_ok=True)
        self.run_all(plan.files, self._put)
        return TransferResult(self.counter.files_done, self.counter.bytes_done, len(plan.dirs))

    def _put(self, item: FileCopy) -> None:
        with open(item.source, "rb") as src, self.vfs.open(item.target, "wb") as dst:
            # Leaving this block by an exception (a cancel included) discards the write.
            _copy(self, src, dst, item.target)
        self.counter.file_done(item.target)


def _inside(folder: str, path: str) -> bool:
    folder = os.path.abspath(folder)
    return os.path.commonpath([folder, os.path.abspath(path)]) == folder


class DecryptTree(Job):
    """Decrypt vault files and folders into a local folder, which is created if needed.

    Each source lands inside `local_dir` under its own name (the vault root: its contents).
    A file is decrypted to a hidden temporary name and renamed when complete, so a cancel or
    an authentication failure never leaves a partial file under the real name.
    """

    def __init__(self, vfs: VaultFileSystem, sources: Sequence[str], local_dir: str,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.sources = [norm_path(s) for s in sources]
        self.local_dir = local_dir

    def _local(self, *parts: str) -> str:
        path = os.path.join(self.local_dir, *parts)
        # Names come from the vault; never let one write outside the target folder.
        if not _inside(self.local_dir, path):
            raise ValueError(f"refusing to write outside {self.local_dir}: {path}")
        return path

    def prepare(self) -> TransferPlan:
        plan = TransferPlan()
        for source in self.sources:
            info = self.vfs.info(source)
            if info["type"] != "directory":
                plan.files.append(FileCopy(source, self._local(split_path(source)[-1]),
                                           int(info["size"])))
                continue
            top = split_path(source)[-1:]  # [] for the root: its contents go in directly
            if top:
                plan.dirs.append(self._local(*top))
            prefix = f"{source}/" if source else ""
            found = self.vfs.find(source, withdirs=True, detail=True)
            for path in sorted(found):
                entry = found[path]
                rel = split_path(path[len(prefix):] if path.startswith(prefix) else path)
                if not rel:
                    continue
                if entry.get("alias_of") is not None:
                    # One folder under two names: its files are copied once, under the
                    # name the walk reached first (see fs/visits.py).
                    plan.aliases.append((path, entry["alias_of"]))
                    continue
                local = self._local(*top, *rel)
                if entry["type"] == "directory":
                    plan.dirs.append(local)
                elif entry["type"] == "file":
                    plan.files.append(FileCopy(path, local, int(entry["size"])))
        return plan

    def run(self, plan: TransferPlan | None = None) -> TransferResult:
        plan = plan if plan is not None else self.prepare()
        self.start_counting(len(plan.files), plan.bytes_total)
        os.makedirs(self.local_dir, exist_ok=True)
        for d in plan.dirs:
            os.makedirs(d, exist_ok=True)
        self.run_all(plan.files, self._get)
        return TransferResult(self.counter.files_done, self.counter.bytes_done, len(plan.dirs),
                              tuple(plan.aliases))

    def _get(self, item: FileCopy) -> None:
        folder, name = os.path.split(item.target)
        os.makedirs(folder or ".", exist_ok=True)
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            with self.vfs.open(item.source, "rb") as src, open(tmp, "wb") as dst:
                _copy(self, src, dst, item.source)
            os.replace(tmp, item.target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.counter.file_done(item.source)
