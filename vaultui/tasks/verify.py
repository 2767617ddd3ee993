"""Authenticate every chunk of every file in a vault (or a folder of it) and list the bad ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vaultui.crypto.errors import VaultError
from vaultui.crypto.stream import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path
from vaultui.tasks.clean import Leftover, find_leftovers
from vaultui.tasks.job import Job


@dataclass(frozen=True)
class Problem:
    """A file or folder that failed verification, and why (never any key material)."""

    path: str
    reason: str


@dataclass
class VerifyResult:
    files: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: What interrupted writes left (harmless to the vault; `clean` removes it).
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _File:
    path: str
    size: int


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class VerifyVault(Job):
    """Decrypt and authenticate everything under `path`; damaged items are collected, not raised.

    Errors of the storage itself (unreachable, permission denied) still raise: they say
    nothing about the vault's integrity.
    """

    def __init__(self, vfs: VaultFileSystem, path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vfs = vfs
        self.path = norm_path(path)
        self.result = VerifyResult()

    def prepare(self) -> list[_File]:
        """Walk the tree; damaged folders and impossible file sizes are recorded as problems."""
        files: list[_File] = []
        info = self.vfs.info(self.path)
        if info["type"] == "file":
            return [_File(self.path, int(info["size"]))]
        stack = [self.path]
        while stack:
            self.check_cancelled()
            folder = stack.pop()
            try:
                entries = self.vfs.ls(folder, detail=True)
            except VaultError as exc:
                self.result.problems.append(Problem(folder or "/", _reason(exc)))
                continue
            for entry in entries:
                if entry.get("damaged"):
                    self.result.problems.append(Problem(
                        entry["name"], "the encrypted file has an impossible size "
                        "(truncated or not a vault file)"))
                elif entry["type"] == "directory":
                    stack.append(entry["name"])
                elif entry["type"] == "file":
                    files.append(_File(entry["name"], int(entry["size"])))
        return sorted(files, key=lambda f: f.path)

    def run(self, files: list[_File] | None = None) -> VerifyResult:
        files = files if files is not None else self.prepare()
        self.start_counting(len(files), sum(f.size for f in files))
        self.run_all(files, self._verify)
        self.result.files = self.counter.files_done
        self.result.bytes = self.counter.bytes_done
        self.result.problems.sort(key=lambda p: p.path)
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
            self.vfs.verify_file(item.path, progress=step)
        except CancelledError:
            raise
        except VaultError as exc:
            self.result.problems.append(Problem(item.path, _reason(exc)))
        self.counter.file_done(item.path)
