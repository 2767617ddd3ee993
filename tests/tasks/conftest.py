"""Fixtures for the task tests: where a vault goes when storage matters (local disk and S3)."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest

from tests.services import Location


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def local_or_s3(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """An empty folder for a vault on local disk, or in a fresh S3 bucket (moto)."""
    if request.param == "local":
        root = tmp_path / "vault"
        root.mkdir()
        return Location(fsspec.filesystem("file"), str(root))
    location: Location = request.getfixturevalue("s3fs_fs")
    return Location(location.fs, location.root + "/vault")
