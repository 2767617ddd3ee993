"""The vault's small files (dir.c9r, name.c9s, symlink.c9r, vault.cryptomator,
masterkey.cryptomator) are read at most to their cap: a huge one is refused as damaged
without being read whole, on local storage and on S3."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.services import Location, StoppableS3
from vaultui.crypto.constants import (
    DIR_FILE_NAME,
    INFLATED_NAME_FILE_NAME,
    MASTERKEY_FILENAME,
    SYMLINK_FILE_NAME,
    VAULT_CONFIG_FILENAME,
)
from vaultui.crypto.errors import FormatError
from vaultui.fs.errors import VaultCorruptError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.storage import join, read_small, read_small_many
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "small files passphrase"
#: Far above any cap, far below what a test machine minds holding once.
HUGE = 24 * 1024 * 1024
#: What a refusal may allocate: the caps are 64 KiB at most.
BUDGET = 2 * 1024 * 1024


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "local":
        return Location(LocalFileSystem(), str(tmp_path))
    # moto in a process of its own: the in-process server's allocations would be counted.
    server: StoppableS3 = request.getfixturevalue("s3_stoppable")
    fs = server.filesystem()
    fs.mkdir("small")
    return Location(fs, "small")


def _vault(place: Location) -> VaultFileSystem:
    root = join(place.root, "vault")
    VaultLocation(place.fs, root).create(PASSPHRASE, scrypt_cost=1024)
    vfs = VaultFileSystem(fs=place.fs, root=root, passphrase=PASSPHRASE)
    vfs.makedirs("docs/inner")
    vfs.pipe_file("n" * 200, b"a shortened name")
    vfs.symlink("docs", "link")
    return vfs


def _replace(place: Location, path: str) -> None:
    """Make `path` huge (sparse on local disk, so it costs no disk)."""
    if isinstance(place.fs, LocalFileSystem):
        with open(path, "r+b") as f:
            f.truncate(HUGE)
    else:
        place.fs.pipe_file(path, b"x" * HUGE)
    place.fs.invalidate_cache()


def _member(vfs: VaultFileSystem, member: str) -> str:
    """The storage path of a node's `member` in the vault _vault made."""
    if member == DIR_FILE_NAME:
        return vfs.mapper.node("docs").dir_file_path
    if member == SYMLINK_FILE_NAME:
        return vfs.mapper.node("link").symlink_path
    return vfs.mapper.node("n" * 200).name_file_path


def _peak(action: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """Bytes allocated at the peak while `action` ran, and what it raised."""
    tracemalloc.start()
    error: BaseException | None = None
    try:
        action()
    except Exception as exc:
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


def _reopen(vfs: VaultFileSystem) -> VaultFileSystem:
    vfs.storage.invalidate_cache()
    return VaultFileSystem(fs=vfs.storage, root=vfs.location.root, passphrase=PASSPHRASE)


@pytest.mark.parametrize(("member", "action"), [
    (DIR_FILE_NAME, lambda v: v.ls("docs")),
    (DIR_FILE_NAME, lambda v: v.find("")),
    (INFLATED_NAME_FILE_NAME, lambda v: v.ls("")),
    (SYMLINK_FILE_NAME, lambda v: v.readlink("link")),
], ids=["dir-ls", "dir-walk", "name", "symlink"])
def test_a_huge_node_file_is_refused_unread(place: Location, member: str,
                                            action: Callable[[VaultFileSystem], Any]) -> None:
    vfs = _vault(place)
    target = _member(vfs, member)
    _replace(place, target)
    fresh = _reopen(vfs)
    peak, error = _peak(lambda: action(fresh))
    assert peak < BUDGET, f"{peak} bytes allocated"
    if member == SYMLINK_FILE_NAME or (member == DIR_FILE_NAME and error is not None):
        assert isinstance(error, VaultCorruptError), error
        assert "damaged" in str(error)
    elif member == INFLATED_NAME_FILE_NAME:
        # The shortened node is left out of the listing, with a warning.
        assert error is None
        assert "n" * 200 not in fresh.ls("", detail=False)


@pytest.mark.parametrize("name", [VAULT_CONFIG_FILENAME, MASTERKEY_FILENAME])
def test_a_huge_vault_file_is_refused_unread(place: Location, name: str) -> None:
    vfs = _vault(place)
    location = vfs.location
    _replace(place, location.path(name))
    peak, error = _peak(lambda: VaultLocation(place.fs, location.root).unlock(PASSPHRASE))
    assert peak < BUDGET, f"{peak} bytes allocated"
    assert isinstance(error, FormatError), error
    assert name in str(error) or "too large" in str(error)


def test_read_small_edges(place: Location) -> None:
    fs = place.fs
    empty, exact, over = (join(place.root, n) for n in ("empty", "exact", "over"))
    fs.pipe_file(empty, b"")
    fs.pipe_file(exact, b"1234")
    fs.pipe_file(over, b"12345")
    assert read_small(fs, empty, 4, "empty") == b""
    assert read_small(fs, exact, 4, "exact") == b"1234"
    with pytest.raises(VaultCorruptError, match="over is damaged"):
        read_small(fs, over, 4, "over")
    with pytest.raises(FileNotFoundError):
        read_small(fs, join(place.root, "missing"), 4, "missing")
    found = read_small_many(fs, [empty, exact, over, join(place.root, "missing")], 4, "file")
    assert found[empty] == b"" and found[exact] == b"1234"
    assert isinstance(found[over], VaultCorruptError)
    assert isinstance(found[join(place.root, "missing")], FileNotFoundError)
