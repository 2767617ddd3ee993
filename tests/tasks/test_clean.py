"""Leftovers of interrupted writes: found by name and age, removed by CleanVault,
reported by VerifyVault; on local storage and on S3."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.services import Location
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.storage import is_temp_name, join, temp_name
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.clean import CleanVault, find_leftovers, parse_age
from vaultui.tasks.verify import VerifyVault

PASSPHRASE = "clean tests passphrase"
DAYS_AGO = 3


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "local":
        return Location(LocalFileSystem(), str(tmp_path))
    found: Location = request.getfixturevalue("s3fs_fs")
    return found


def _vault(place: Location) -> VaultFileSystem:
    root = join(place.root, "vault")
    VaultLocation(place.fs, root).create(PASSPHRASE, scrypt_cost=1024)
    vfs = VaultFileSystem(fs=place.fs, root=root, passphrase=PASSPHRASE)
    vfs.pipe_file("docs/a.txt", b"kept")
    return vfs


def _leave(vfs: VaultFileSystem, days: float) -> str:
    """What an interrupted write leaves: a temporary file, or on S3 a multipart upload."""
    fs = vfs.storage
    node = vfs.mapper.node("docs/a.txt")
    if isinstance(fs, LocalFileSystem):
        path = temp_name(node.node_path)
        fs.pipe_file(path, b"half a file")
        then = (datetime.now(UTC) - timedelta(days=days)).timestamp()
        os.utime(path, (then, then))
        return path
    bucket, key, _ = fs.split_path(node.node_path)
    fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key)
    return node.node_path


def test_leftovers_are_found_by_age_and_removed(place: Location) -> None:
    vfs = _vault(place)
    loc = vfs.location
    old = _leave(vfs, DAYS_AGO)
    assert find_leftovers(loc, timedelta(0)) != []
    found = find_leftovers(loc, timedelta(days=1), now=datetime.now(UTC) + timedelta(days=DAYS_AGO))
    assert [item.path for item in found] == [old]
    if isinstance(place.fs, LocalFileSystem):
        young = _leave(vfs, 0)
        assert [i.path for i in find_leftovers(loc)] == [old]  # the young one may be busy
        assert young in [i.path for i in find_leftovers(loc, timedelta(0))]

    report = VerifyVault(vfs).run()
    assert report.ok and old in [item.path for item in report.leftovers]

    job = CleanVault(loc, timedelta(0))
    result = job.run()
    assert old in [item.path for item in result.removed] and not result.failed
    assert find_leftovers(loc, timedelta(0)) == []
    assert vfs.cat_file("docs/a.txt") == b"kept"
    assert VerifyVault(vfs).run().leftovers == []


def test_a_leftover_that_cannot_go_is_reported_and_the_rest_go_on(
        place: Location, monkeypatch: pytest.MonkeyPatch) -> None:
    vfs = _vault(place)
    _leave(vfs, DAYS_AGO)
    items = find_leftovers(vfs.location, timedelta(0))
    from vaultui.tasks import clean

    def refuse(location: VaultLocation, item: Any) -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(clean, "remove_leftover", refuse)
    result = CleanVault(vfs.location, timedelta(0)).run(items)
    assert [reason for _, reason in result.failed] == ["not allowed"] * len(items)


def test_temp_names() -> None:
    name = temp_name("d/AB/CDEF/x.c9r").rpartition("/")[2]
    assert is_temp_name(name) and name.startswith(".x.c9r.")
    assert temp_name("x") != temp_name("x")
    assert is_temp_name(".x.c9r.part")  # what older versions wrote
    for other in ("x.c9r", ".part", "dirid.c9r", "x.part", ".hidden"):
        assert not is_temp_name(other)


def test_parse_age() -> None:
    assert parse_age("30m") == timedelta(minutes=30)
    assert parse_age("1d") == timedelta(days=1)
    assert parse_age("2w") == timedelta(weeks=2)
    assert parse_age("90") == timedelta(seconds=90)
    assert parse_age("0") == timedelta(0)
    for bad in ("", "soon", "-1d", "1y"):
        with pytest.raises(ValueError):
            parse_age(bad)
