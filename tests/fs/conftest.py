"""Fixtures for the vault filesystem tests: vaults on memory and local storage, plus storage
doubles that count calls and inject write faults (faults local storage cannot produce)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.spec import AbstractFileSystem

from tests.services import Location
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "fs tests passphrase"
#: The cheapest scrypt cost the format accepts: unlocking is not what these tests test.
CHEAP_SCRYPT = 1024

STORAGE_KINDS = ("memory", "local")


def isolated_memory_fs() -> MemoryFileSystem:
    """A memory filesystem with its own store (the default one is shared process-wide)."""
    return MemoryFileSystem(global_store=False, skip_instance_cache=True)


@dataclass
class VaultFactory:
    """Creates vaults on fresh storage; every vault made is a new, empty one."""

    tmp_path: Path
    made: int = 0

    def storage(self, kind: str) -> tuple[AbstractFileSystem, str]:
        self.made += 1
        if kind == "memory":
            return isolated_memory_fs(), f"/vault{self.made}"
        root = self.tmp_path / f"vault{self.made}"
        root.mkdir()
        return LocalFileSystem(), str(root)

    def __call__(self, kind: str = "memory", **options: Any) -> VaultFileSystem:
        storage, root = self.storage(kind)
        key = VaultLocation(storage, root).create(PASSPHRASE, scrypt_cost=CHEAP_SCRYPT)
        return VaultFileSystem(fs=storage, root=root, masterkey=key, **options)


@pytest.fixture
def vault_factory(tmp_path: Path) -> VaultFactory:
    return VaultFactory(tmp_path)


@pytest.fixture(params=STORAGE_KINDS)
def vaultfs(request: pytest.FixtureRequest, vault_factory: VaultFactory) -> VaultFileSystem:
    """A new empty vault, once on memory storage and once on a local folder."""
    return vault_factory(request.param)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def local_or_s3_vault(request: pytest.FixtureRequest, tmp_path: Path) -> VaultFileSystem:
    """A new empty vault, once in a local folder and once on S3 (moto)."""
    if request.param == "local":
        storage: AbstractFileSystem = LocalFileSystem()
        root = str(tmp_path / "vault")
        Path(root).mkdir()
    else:
        location = request.getfixturevalue("s3fs_fs")
        storage, root = location.fs, location.root + "/vault"
    key = VaultLocation(storage, root).create(PASSPHRASE, scrypt_cost=CHEAP_SCRYPT)
    return VaultFileSystem(fs=storage, root=root, masterkey=key)


@pytest.fixture
def memvault(vault_factory: VaultFactory) -> VaultFileSystem:
    """A new empty vault on memory storage (for tests that count or break storage calls)."""
    return vault_factory("memory")


# -- counting storage calls ---------------------------------------------------------------

#: The storage methods the vault calls; anything else it might call is not counted.
RECORDED_METHODS = (
    "ls", "find", "walk", "glob", "info", "exists", "isdir", "isfile", "size", "modified",
    "created", "cat", "cat_file", "open", "pipe_file", "pipe", "mv", "rm", "rm_file", "rmdir",
    "cp_file", "copy", "makedirs", "mkdir", "touch",
)
#: Calls that create, change or delete a storage object.
MUTATING_METHODS = frozenset(
    {"pipe_file", "pipe", "mv", "rm", "rm_file", "rmdir", "cp_file", "copy", "makedirs",
     "mkdir", "touch"})


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    kwargs: dict[str, Any]

    @property
    def mutating(self) -> bool:
        return self.method in MUTATING_METHODS or (
            self.method == "open" and "w" in str(self.kwargs.get("mode", "rb")))


@dataclass
class StorageRecorder:
    """Records the calls the vault makes on its storage, outermost calls only.

    The storage's own methods call each other (`find` calls `ls`, local `cat_file`
    calls `open`); counting those would measure fsspec, not the vault.
    """

    calls: list[Call] = field(default_factory=list)
    _depth: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, storage: AbstractFileSystem, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in RECORDED_METHODS:
            monkeypatch.setattr(storage, name, self._wrap(name, getattr(storage, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(self._depth, "value", 0)
            if depth == 0:
                path = args[0] if args else kwargs.get("path", "")
                if isinstance(path, list):
                    path = ",".join(path)  # a batched call (cat of many paths)
                extra = dict(kwargs)
                if name == "open" and len(args) > 1:
                    extra["mode"] = args[1]
                if name == "cat_file" and len(args) > 1:
                    extra.update(zip(("start", "end"), args[1:3], strict=False))
                with self._lock:
                    self.calls.append(Call(name, str(path), extra))
            self._depth.value = depth + 1
            try:
                return method(*args, **kwargs)
            finally:
                self._depth.value = depth

        return recorded

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def count(self, *methods: str) -> int:
        return sum(1 for c in self.calls if c.method in methods)

    def of(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    @property
    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.mutating]

    def bytes_read(self, size_of: Callable[[str], int]) -> int:
        """Bytes asked for by cat_file calls (a call without a range asks for all)."""
        total = 0
        for call in self.of("cat_file"):
            start = call.kwargs.get("start") or 0
            end = call.kwargs.get("end")
            total += (size_of(call.path) if end is None else end) - start
        return total


@pytest.fixture
def record_storage(monkeypatch: pytest.MonkeyPatch) -> Callable[[VaultFileSystem],
                                                              StorageRecorder]:
    """Start counting the storage calls a vault makes: `rec = record_storage(fs)`."""

    def start(fs: VaultFileSystem) -> StorageRecorder:
        recorder = StorageRecorder()
        recorder.install(fs.storage, monkeypatch)
        return recorder

    return start


# -- injecting write faults ---------------------------------------------------------------


class InjectedFaultError(OSError):
    """The storage failed on purpose."""


class _FailingWriter:
    """A storage file opened for writing whose writes fail once the budget is spent."""

    def __init__(self, raw: Any, budget: WriteBudget) -> None:
        self._raw = raw
        self._budget = budget

    def write(self, data: Any) -> int:
        self._budget.spend()
        return self._raw.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __enter__(self) -> _FailingWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._raw.close()


@dataclass
class WriteBudget:
    """Lets `allowed` storage writes through, then raises on every further one."""

    allowed: int
    done: int = 0

    def spend(self) -> None:
        if self.done >= self.allowed:
            raise InjectedFaultError(f"injected failure on storage write #{self.done + 1}")
        self.done += 1


@pytest.fixture
def fail_writes(monkeypatch: pytest.MonkeyPatch) -> Callable[[VaultFileSystem, int],
                                                           WriteBudget]:
    """Make a vault's storage raise on its (n+1)th write: `fail_writes(fs, n)`.

    Counts writes to storage files and whole-object puts (`pipe_file`), the two ways
    the vault sends bytes to storage.
    """

    def install(fs: VaultFileSystem, allowed: int) -> WriteBudget:
        budget = WriteBudget(allowed)
        storage = fs.storage
        real_open = storage.open
        real_pipe_file = storage.pipe_file

        def open_(path: str, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
            raw = real_open(path, mode, *args, **kwargs)
            return _FailingWriter(raw, budget) if "w" in mode else raw

        def pipe_file(path: str, value: bytes, *args: Any, **kwargs: Any) -> Any:
            budget.spend()
            return real_pipe_file(path, value, *args, **kwargs)

        monkeypatch.setattr(storage, "open", open_)
        monkeypatch.setattr(storage, "pipe_file", pipe_file)
        return budget

    return install


def storage_files(fs: VaultFileSystem) -> list[str]:
    """Every object under the vault root, relative to it."""
    root = fs.location.root.rstrip("/")
    return sorted(p[len(root) + 1:] for p in fs.storage.find(root))


@pytest.fixture
def list_storage() -> Callable[[VaultFileSystem], list[str]]:
    return storage_files


# -- one vault on local disk and on S3 ----------------------------------------------------


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """A fresh, empty place for a vault: a local folder, or a bucket on moto."""
    if request.param == "local":
        root = tmp_path / "local-root"
        root.mkdir()
        return Location(LocalFileSystem(), str(root))
    found: Location = request.getfixturevalue("s3fs_fs")
    return found
