"""What editors and other programs rely on from a FUSE-mounted vault: shared open files,
fsync, deleting an open file, names the vault refuses, read-only mounts, and a killed mount."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from pathlib import Path

import pytest
from mounthelpers import MARKER, PASSPHRASE, Mount, Vault, start_mount, stop_mount, wait_for

from vaultui.fs.filesystem import VaultFileSystem

pytestmark = pytest.mark.timeout(300)


def vault_fs(vault: Vault) -> VaultFileSystem:
    """A second, independent view of the vault, as another program would open it."""
    return VaultFileSystem(fs=vault.storage, root=vault.root, passphrase=PASSPHRASE)


def mnt_of(mount: Mount) -> Path:
    assert mount.mountpoint is not None
    return mount.mountpoint


def test_two_programs_see_each_others_writes(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    (mnt / "shared.txt").write_bytes(b"FIRSTS version")
    reader = os.open(mnt / "shared.txt", os.O_RDONLY)
    writer = os.open(mnt / "shared.txt", os.O_RDWR)
    try:
        os.pwrite(writer, b"SECOND", 0)
        assert os.pread(reader, 100, 0) == b"SECOND version"
    finally:
        os.close(writer)
        os.close(reader)
    assert (mnt / "shared.txt").read_bytes() == b"SECOND version"


def test_fsync_publishes_before_close(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    fd = os.open(mnt / "synced.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, MARKER + b" durable")
        os.fsync(fd)
        assert vault_fs(fuse_mount.vault).cat_file("synced.txt") == MARKER + b" durable"
    finally:
        os.close(fd)


def test_file_deleted_while_open_stays_readable(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    (mnt / "gone.txt").write_bytes(b"still here")
    fd = os.open(mnt / "gone.txt", os.O_RDWR)
    try:
        os.unlink(mnt / "gone.txt")
        assert not (mnt / "gone.txt").exists()
        assert os.pread(fd, 100, 0) == b"still here"
        os.pwrite(fd, b"STILL", 0)  # writes to a deleted file go nowhere, without error
        assert os.pread(fd, 100, 0) == b"STILL here"
    finally:
        os.close(fd)
    assert not (mnt / "gone.txt").exists()
    assert not vault_fs(fuse_mount.vault).exists("gone.txt")


def test_names_too_long_get_enametoolong(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    long_name = "n" * 256
    for action in (lambda: (mnt / long_name).write_bytes(b"x"),
                   lambda: (mnt / long_name).mkdir(),
                   lambda: (mnt / "ok.txt").rename(mnt / long_name)):
        (mnt / "ok.txt").write_bytes(b"x")
        with pytest.raises(OSError) as raised:
            action()
        assert raised.value.errno == errno.ENAMETOOLONG
    longest = "é" * 127  # 254 bytes: allowed
    (mnt / longest).write_bytes(b"fits")
    assert (mnt / longest).read_bytes() == b"fits"
    assert os.statvfs(mnt).f_namemax == 255


def test_folders_rename_and_refusals(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    (mnt / "d" / "e").mkdir(parents=True)
    (mnt / "d" / "e" / "f.txt").write_bytes(b"deep")
    with pytest.raises(OSError) as raised:
        (mnt / "d").rmdir()
    assert raised.value.errno == errno.ENOTEMPTY
    (mnt / "d").rename(mnt / "moved")
    assert (mnt / "moved" / "e" / "f.txt").read_bytes() == b"deep"
    (mnt / "empty").mkdir()
    (mnt / "moved").rename(mnt / "empty")  # over an empty folder: replaces it
    assert (mnt / "empty" / "e" / "f.txt").read_bytes() == b"deep"
    assert sorted(os.listdir(mnt)) == ["empty"]
    with open(mnt / "empty" / "e" / "f.txt", "r+b") as f:
        f.truncate(2)
    assert (mnt / "empty" / "e" / "f.txt").read_bytes() == b"de"
    os.truncate(mnt / "empty" / "e" / "f.txt", 5)
    assert (mnt / "empty" / "e" / "f.txt").read_bytes() == b"de\0\0\0"


@pytest.mark.parametrize("vault", ["local"], indirect=True)
def test_read_only_mount_refuses_changes(vault: Vault, tmp_path: Path) -> None:
    seed = vault_fs(vault)
    seed.pipe_file("kept.txt", b"kept")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount = start_mount(vault, "--read-only", mountpoint=mnt, log=tmp_path / "log")
    try:
        assert (mnt / "kept.txt").read_bytes() == b"kept"
        for action in (lambda: (mnt / "new.txt").write_bytes(b"x"),
                       lambda: (mnt / "kept.txt").write_bytes(b"x"),
                       lambda: (mnt / "kept.txt").unlink()):
            with pytest.raises(OSError) as raised:
                action()
            assert raised.value.errno == errno.EROFS
    finally:
        assert stop_mount(mount) == 0
    assert seed.cat_file("kept.txt") == b"kept"


def test_killed_mount_leaves_no_partial_file(vault: Vault, tmp_path: Path) -> None:
    seed = vault_fs(vault)
    seed.pipe_file("old.txt", b"old content")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount = start_mount(vault, mountpoint=mnt, log=tmp_path / "log")
    try:
        new = open(mnt / "new.bin", "wb")  # noqa: SIM115 (left open on purpose)
        new.write(MARKER * 200_000)
        new.flush()
        old = open(mnt / "old.txt", "r+b")  # noqa: SIM115
        old.write(b"NEW")
        old.flush()
        os.killpg(mount.process.pid, signal.SIGKILL)
        wait_for(lambda: mount.process.poll() is not None, 30, "the killed mount")
        for f in (new, old):
            with contextlib.suppress(OSError):  # the file system is gone: nothing to save
                f.close()
    finally:
        stop_mount(mount)
    fresh = vault_fs(vault)
    assert fresh.ls("", detail=False) == ["old.txt"]
    assert fresh.cat_file("old.txt") == b"old content"
    for path, data in vault.storage_bytes():
        assert MARKER not in data, path


def test_symlinks_are_stored_and_hard_links_refused(fuse_mount: Mount) -> None:
    mnt = mnt_of(fuse_mount)
    (mnt / "target.txt").write_bytes(b"pointed at")
    os.symlink("target.txt", mnt / "link")
    assert os.readlink(mnt / "link") == "target.txt"
    assert (mnt / "link").read_bytes() == b"pointed at"
    assert vault_fs(fuse_mount.vault).readlink("link") == "target.txt"
    with pytest.raises(OSError) as raised:
        os.link(mnt / "target.txt", mnt / "hard")
    assert raised.value.errno in (errno.EPERM, errno.ENOSYS, errno.EROFS)
