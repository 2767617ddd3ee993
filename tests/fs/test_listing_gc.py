"""Big listings leave the garbage collector alone: nothing it tracks per listed file."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from vaultui.fs.filesystem import VaultFileSystem


@pytest.fixture
def no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def tracked_objects_left_by(fs: VaultFileSystem, path: str) -> int:
    gc.collect()
    before = len(gc.get_objects())
    result = fs.ls(path, detail=True)
    after = len(gc.get_objects())
    assert result
    return after - before


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_listing_tracks_no_object_per_file(vault_factory, kind: str, no_gc: None) -> None:
    # Tracked objects per listed file made a full collection every few listings: ~70 ms
    # each in a process with an S3 client loaded, doubling a local listing's time.
    fs = vault_factory(kind)
    for count, folder in ((50, "small"), (1000, "big")):
        fs.makedirs(folder)
        fs.pipe({f"{folder}/file-{n:04d}.txt": b"x" for n in range(count)})
        fs.makedirs(f"{folder}/sub")
    for _ in range(2):  # first listing (names decrypted) and again (names remembered)
        small = tracked_objects_left_by(fs, "small")
        big = tracked_objects_left_by(fs, "big")
        assert big - small < 100, (small, big)
