"""DriveMount, the in-process mount the desktop app uses: start, open files, (force) stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mounthelpers import PASSPHRASE, Vault, is_mounted, unavailable, wait_for

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.drive import DriveKind, DriveMount, FilesStillOpenError, preferred_kind

pytestmark = [pytest.mark.timeout(120), pytest.mark.parametrize("vault", ["local"],
                                                                 indirect=True)]


def open_vault(vault: Vault) -> VaultFileSystem:
    return VaultFileSystem(fs=vault.storage, root=vault.root, passphrase=PASSPHRASE)


@pytest.fixture
def fuse_drive(vault: Vault, tmp_path: Path) -> Iterator[DriveMount]:
    if preferred_kind() is not DriveKind.FUSE:
        unavailable("FUSE is not available")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    drive = DriveMount(open_vault(vault), DriveKind.FUSE, mountpoint=str(mnt))
    yield drive
    if is_mounted(mnt):
        drive.stop(force=True)


def test_fuse_drive_refuses_to_stop_while_files_are_open(vault: Vault,
                                                         fuse_drive: DriveMount) -> None:
    drive = fuse_drive
    mnt = Path(str(drive.mountpoint))
    assert drive.start() == str(mnt)
    assert is_mounted(mnt)
    (mnt / "a.txt").write_bytes(b"through the drive")
    fd = os.open(mnt / "a.txt", os.O_RDWR)
    try:
        os.pwrite(fd, b"T", 0)
        assert drive.open_files() == 1
        with pytest.raises(FilesStillOpenError) as raised:
            drive.stop()
        assert raised.value.count == 1
        assert is_mounted(mnt)
        drive.stop(force=True)  # detached at once; the open file is saved when closed
        assert not is_mounted(mnt)
    finally:
        os.close(fd)
    wait_for(lambda: open_vault(vault).cat_file("a.txt") == b"Through the drive", 30,
             "the forced-out file to be saved")


def test_fuse_drive_stops_cleanly(vault: Vault, fuse_drive: DriveMount) -> None:
    drive = fuse_drive
    mnt = Path(str(drive.mountpoint))
    drive.start()
    (mnt / "b.txt").write_bytes(b"b")
    drive.stop()  # the file was closed: stopping does not need force
    assert not is_mounted(mnt) and not drive.running
    assert open_vault(vault).cat_file("b.txt") == b"b"


def test_webdav_drive(vault: Vault) -> None:
    drive = DriveMount(open_vault(vault), DriveKind.WEBDAV)
    url = drive.start()
    assert url.startswith("http://127.0.0.1:")
    credential = drive.credential_file
    assert credential is not None and Path(credential).exists()
    assert requests.get(url, timeout=30).status_code == 401
    drive.stop()
    assert not Path(credential).exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


PROGRAM = """
import os, signal, sys, time
# As in a program started from a terminal (the test may run under nohup, which ignores HUP).
signal.signal(signal.SIGHUP, signal.SIG_DFL)
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.drive import DriveKind, DriveMount
fs = VaultFileSystem(sys.argv[1], passphrase=sys.argv[2])
DriveMount(fs, DriveKind.FUSE, mountpoint=sys.argv[3]).start()
print("up", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_terminated_program_leaves_no_dead_mount(vault: Vault, tmp_path: Path,
                                                 signum: int) -> None:
    """A program with a drive (the app) still ends on SIGTERM/SIGHUP, and detaches it."""
    if preferred_kind() is not DriveKind.FUSE:
        unavailable("FUSE is not available")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", PROGRAM, vault.root, PASSPHRASE, str(mnt)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
        assert is_mounted(mnt)
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == -signum
        assert not is_mounted(mnt)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
