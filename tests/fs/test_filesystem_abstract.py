"""fsspec's own abstract test suites (copy, get, put, open, pipe) run against a vault."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.tests.abstract import (
    AbstractCopyTests,
    AbstractFixtures,
    AbstractGetTests,
    AbstractOpenTests,
    AbstractPipeTests,
    AbstractPutTests,
)

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation


def _vault_on(storage: MemoryFileSystem | LocalFileSystem, root: str) -> VaultFileSystem:
    key = VaultLocation(storage, root).create("abstract suite", scrypt_cost=1024)
    return VaultFileSystem(fs=storage, root=root, masterkey=key)


class MemoryVaultFixtures(AbstractFixtures):  # type: ignore[misc]
    """A fresh vault on the memory filesystem for every test; the vault root is the path."""

    @pytest.fixture
    def fs(self) -> Iterator[VaultFileSystem]:
        yield _vault_on(MemoryFileSystem(global_store=False, skip_instance_cache=True), "/vault")

    @pytest.fixture
    def fs_join(self) -> Callable[..., str]:
        # Vault paths are relative to the vault root, with no root marker: joining
        # onto the root ("") must not produce a leading slash.
        return lambda *parts: "/".join(p for p in parts if p)

    @pytest.fixture
    def fs_path(self) -> str:
        return ""


class LocalVaultFixtures(MemoryVaultFixtures):
    """The same vault, on a local folder."""

    @pytest.fixture
    def fs(self, tmp_path: Path) -> Iterator[VaultFileSystem]:
        root = tmp_path / "vault"
        root.mkdir()
        yield _vault_on(LocalFileSystem(), str(root))


class TestMemoryVaultCopy(AbstractCopyTests, MemoryVaultFixtures):  # type: ignore[misc]
    pass


class TestMemoryVaultGet(AbstractGetTests, MemoryVaultFixtures):  # type: ignore[misc]
    pass


class TestMemoryVaultPut(AbstractPutTests, MemoryVaultFixtures):  # type: ignore[misc]
    pass


class TestMemoryVaultOpen(AbstractOpenTests, MemoryVaultFixtures):  # type: ignore[misc]
    pass


class TestMemoryVaultPipe(AbstractPipeTests, MemoryVaultFixtures):  # type: ignore[misc]
    pass


class TestLocalVaultCopy(AbstractCopyTests, LocalVaultFixtures):  # type: ignore[misc]
    pass


class TestLocalVaultGet(AbstractGetTests, LocalVaultFixtures):  # type: ignore[misc]
    pass


class TestLocalVaultPut(AbstractPutTests, LocalVaultFixtures):  # type: ignore[misc]
    pass


class TestLocalVaultOpen(AbstractOpenTests, LocalVaultFixtures):  # type: ignore[misc]
    pass


class TestLocalVaultPipe(AbstractPipeTests, LocalVaultFixtures):  # type: ignore[misc]
    pass
