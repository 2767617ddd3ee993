"""`vaultui-cli mount` and `unmount` as a user runs them: signals, wrong arguments, exit codes."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
from mounthelpers import PASSPHRASE, Vault, is_mounted, run_cli, start_mount, stop_mount, wait_for

from vaultui.fs.filesystem import VaultFileSystem

pytestmark = [pytest.mark.timeout(300), pytest.mark.parametrize("vault", ["local"],
                                                                 indirect=True)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_fuse_signal_unmounts_and_saves_open_files(vault: Vault, tmp_path: Path,
                                                   signum: int) -> None:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount = start_mount(vault, mountpoint=mnt, log=tmp_path / "log")
    try:
        fd = os.open(mnt / "open.txt", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"written, never closed")
        mount.process.send_signal(signum)
        assert mount.process.wait(timeout=60) == 0, (tmp_path / "log").read_text()
        with contextlib.suppress(OSError):
            os.close(fd)
        assert not is_mounted(mnt)
    finally:
        stop_mount(mount)
    fs = VaultFileSystem(fs=vault.storage, root=vault.root, passphrase=PASSPHRASE)
    assert fs.cat_file("open.txt") == b"written, never closed"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_webdav_signal_stops_and_removes_the_credential(vault: Vault, tmp_path: Path,
                                                        signum: int) -> None:
    mount = start_mount(vault, "--webdav", log=tmp_path / "log")
    assert mount.credential is not None
    mount.process.send_signal(signum)
    assert mount.process.wait(timeout=60) == 0, (tmp_path / "log").read_text()
    assert stop_mount(mount) == 0
    assert not Path(mount.credential["file"]).exists()


def test_wrong_arguments_exit_codes(vault: Vault, tmp_path: Path) -> None:
    result = run_cli("mount", vault.url, str(tmp_path), "--webdav", "--no-keyring")
    assert result.returncode == 2 and b"WebDAV" in result.stderr
    result = run_cli("mount", vault.url, "--fuse", "--no-keyring")
    assert result.returncode == 2
    result = run_cli("mount", vault.url, str(tmp_path / "missing"), "--no-keyring")
    assert result.returncode == 4
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_bytes(b"would be hidden")
    result = run_cli("mount", vault.url, str(tmp_path / "full"), "--no-keyring")
    assert result.returncode == 2 and b"not empty" in result.stderr
    assert run_cli("unmount", str(tmp_path)).returncode == 4
    assert run_cli("unmount", "http://127.0.0.1:1/").returncode == 4


def test_unmount_by_credential_file(vault: Vault, tmp_path: Path) -> None:
    mount = start_mount(vault, "--webdav", log=tmp_path / "log")
    assert mount.credential is not None
    result = run_cli("unmount", mount.credential["file"])
    assert result.returncode == 0, result.stderr
    wait_for(lambda: mount.process.poll() is not None, 60, "the server to stop")
    assert stop_mount(mount) == 0
