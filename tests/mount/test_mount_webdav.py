"""The WebDAV server against real clients: litmus (the protocol suite) and rclone, on local and
S3 vaults; its credential, streaming with ranges, refused names, and a killed server."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mounthelpers import (
    MARKER,
    PASSPHRASE,
    Mount,
    Vault,
    run_cli,
    start_mount,
    stop_mount,
    wait_for,
)
from test_mount_fuse_programs import make_tree, sh

from vaultui.fs.filesystem import VaultFileSystem

pytestmark = pytest.mark.timeout(600)

#: litmus suites and what we expect of them: every test passes (see docs/MOUNT.md).
SUITES = ("basic", "copymove", "props", "locks", "http")


def auth(mount: Mount) -> tuple[str, str]:
    assert mount.credential is not None
    return mount.credential["user"], mount.credential["password"]


def test_litmus_passes_every_suite(dav_mount: Mount, tmp_path: Path, need: object) -> None:
    need("litmus")  # type: ignore[operator]
    user, password = auth(dav_mount)
    result = subprocess.run(["litmus", str(dav_mount.url), user, password], cwd=tmp_path,
                            env={**os.environ, "TESTS": " ".join(SUITES)}, capture_output=True,
                            text=True, timeout=500, check=False)
    summaries = re.findall(r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, "
                           r"(\d+) failed", result.stdout)
    assert [s[0] for s in summaries] == list(SUITES), result.stdout[-3000:]
    for suite, run, passed, failed in summaries:
        assert failed == "0" and run == passed, (suite, result.stdout[-3000:])
    assert "WARNING" not in result.stdout, result.stdout[-3000:]


def test_rclone_copy_and_check(dav_mount: Mount, tmp_path: Path, need: object) -> None:
    need("rclone")  # type: ignore[operator]
    user, password = auth(dav_mount)
    obscured = sh("rclone", "obscure", password).strip()
    config = tmp_path / "rclone.conf"
    config.write_text(f"[vault]\ntype = webdav\nurl = {dav_mount.url}\nvendor = other\n"
                      f"user = {user}\npass = {obscured}\n")
    tree = make_tree(tmp_path / "tree")
    base = ["rclone", "--config", str(config), "--low-level-retries", "1", "--retries", "1"]
    sh(*base, "copy", str(tree), "vault:tree")
    sh(*base, "check", str(tree), "vault:tree")
    sh(*base, "copy", "vault:tree", str(tmp_path / "back"))
    sh("diff", "-r", str(tree), str(tmp_path / "back"))
    for path, data in dav_mount.vault.storage_bytes():
        assert MARKER not in data, path


@pytest.mark.parametrize("vault", ["local"], indirect=True)
def test_credential_is_private_and_required(dav_mount: Mount) -> None:
    assert dav_mount.credential is not None
    file = Path(dav_mount.credential["file"])
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    url = str(dav_mount.url)
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, auth=("vaultui", "guess"), timeout=30).status_code == 401
    user, _ = auth(dav_mount)
    assert requests.get(url, auth=(user, "wrong"), timeout=30).status_code == 401
    assert requests.request("PROPFIND", url, auth=auth(dav_mount), headers={"Depth": "0"},
                            timeout=30).status_code == 207
    assert stop_mount(dav_mount) == 0
    assert not file.exists()  # gone with the server


def test_streaming_put_get_ranges_and_long_names(dav_mount: Mount) -> None:
    url, creds = str(dav_mount.url), auth(dav_mount)
    body = MARKER + os.urandom(3 * 1024 * 1024) + MARKER

    def chunks() -> Iterator[bytes]:  # a chunked upload: the server never sees its length up front
        for i in range(0, len(body), 100_000):
            yield body[i:i + 100_000]

    assert requests.put(url + "big.bin", data=chunks(), auth=creds,
                        timeout=120).status_code == 201
    got = requests.get(url + "big.bin", auth=creds, timeout=120)
    assert got.status_code == 200 and got.content == body
    part = requests.get(url + "big.bin", auth=creds, headers={"Range": "bytes=100000-200009"},
                        timeout=60)
    assert part.status_code == 206 and part.content == body[100000:200010]
    assert requests.put(url + "n" * 256, data=b"x", auth=creds, timeout=30).status_code == 414
    assert requests.request("MKCOL", url + "d" * 256, auth=creds,
                            timeout=30).status_code == 414
    for path, data in dav_mount.vault.storage_bytes():
        assert MARKER not in data, path


def test_killed_server_leaves_no_partial_upload(vault: Vault, tmp_path: Path) -> None:
    dav_mount = start_mount(vault, "--webdav", log=tmp_path / "log")
    assert dav_mount.url is not None and dav_mount.credential is not None
    user, password = auth(dav_mount)
    host, port = dav_mount.url.split("//")[1].rstrip("/").split(":")
    token = __import__("base64").b64encode(f"{user}:{password}".encode()).decode()
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"PUT /partial.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic "
                     f"{token}\r\nContent-Length: {64 * 1024 * 1024}\r\n\r\n".encode())
        for _ in range(160):  # 10 MiB of 64: the upload is well under way
            conn.sendall(MARKER * 2048)
        os.killpg(dav_mount.process.pid, signal.SIGKILL)
        wait_for(lambda: dav_mount.process.poll() is not None, 30, "the killed server")
    stop_mount(dav_mount)
    # A killed server cannot remove its credential file; `unmount` does not mistake it for
    # a running one.
    assert run_cli("unmount", str(dav_mount.url)).returncode == 4
    Path(dav_mount.credential["file"]).unlink()
    fresh = VaultFileSystem(fs=vault.storage, root=vault.root, passphrase=PASSPHRASE)
    assert fresh.ls("", detail=False) == []
    for path, data in vault.storage_bytes():
        assert MARKER not in data, path


def test_read_only_server_refuses_writes(vault: Vault, tmp_path: Path) -> None:
    mount = start_mount(vault, "--webdav", "--read-only", log=tmp_path / "log")
    try:
        creds = auth(mount)
        # wsgidav answers 405 (method not allowed here) for a read-only share
        assert requests.put(str(mount.url) + "x.txt", data=b"x", auth=creds,
                            timeout=30).status_code in (403, 405)
        assert requests.request("MKCOL", str(mount.url) + "d", auth=creds,
                                timeout=30).status_code in (403, 405)
        assert requests.get(str(mount.url) + "x.txt", auth=creds, timeout=30).status_code == 404
    finally:
        assert stop_mount(mount) == 0
