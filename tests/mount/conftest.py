"""Fixtures of the mount tests: a fresh vault on local disk or S3, mounted with FUSE or WebDAV."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem
from mounthelpers import PASSPHRASE, Mount, Vault, start_mount, stop_mount, unavailable

from vaultui.fs.vault import VaultLocation


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        unavailable(f"{tool} is not installed")


@pytest.fixture(scope="session", autouse=True)
def no_mount_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """However a test ends, no FUSE mount of ours outlives the session (pytest could not
    remove its folders, and a later run would trip over them)."""
    yield
    base = os.path.realpath(tmp_path_factory.getbasetemp())
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        ours = [line.split()[1] for line in mounts if line.startswith("vaultui ")]
    for mountpoint in ours:
        if mountpoint.startswith(base + "/"):
            subprocess.run(["fusermount3", "-uz", mountpoint], check=False)


@pytest.fixture
def local_vault(tmp_path: Path) -> Vault:
    root = tmp_path / "vault"
    root.mkdir()
    VaultLocation(LocalFileSystem(), str(root)).create(PASSPHRASE, scrypt_cost=1024)
    return Vault(str(root), [], LocalFileSystem(), str(root))


@pytest.fixture
def s3_vault(s3fs_fs: Any, s3_server: str, tmp_path: Path) -> Vault:
    root = f"{s3fs_fs.root}/vault"
    VaultLocation(s3fs_fs.fs, root).create(PASSPHRASE, scrypt_cost=1024)
    options = tmp_path / "s3.json"
    options.write_text(json.dumps({"client_kwargs": {"endpoint_url": s3_server},
                                   "key": "testing", "secret": "testing"}))
    return Vault(f"s3://{root}", ["--storage-options-file", str(options)], s3fs_fs.fs, root)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def vault(request: pytest.FixtureRequest) -> Vault:
    value: Vault = request.getfixturevalue(f"{request.param}_vault")
    return value


@pytest.fixture
def fuse_mount(vault: Vault, tmp_path: Path) -> Iterator[Mount]:
    """The vault mounted with FUSE at a fresh folder, by `vaultui-cli mount`."""
    if not os.path.exists("/dev/fuse"):
        unavailable("/dev/fuse is not available")
    _need("fusermount3")
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    mount = start_mount(vault, mountpoint=mountpoint, log=tmp_path / "mount.log")
    yield mount
    assert stop_mount(mount) == 0, (tmp_path / "mount.log").read_text()


@pytest.fixture
def dav_mount(vault: Vault, tmp_path: Path) -> Iterator[Mount]:
    """The vault served over WebDAV by `vaultui-cli mount --webdav`."""
    mount = start_mount(vault, "--webdav", log=tmp_path / "mount.log")
    yield mount
    assert stop_mount(mount) == 0, (tmp_path / "mount.log").read_text()


@pytest.fixture
def need() -> Any:
    return _need
