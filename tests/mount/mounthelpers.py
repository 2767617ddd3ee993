"""Running `vaultui-cli mount` as a user would, and looking at what the storage holds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from fsspec.spec import AbstractFileSystem

CLI = Path(sys.executable).parent / "vaultui-cli"
PASSPHRASE = "mount test passphrase"
#: Written into every test file: the storage must never hold it in clear.
MARKER = b"VAULTUI-PLAINTEXT-MARKER-7f3a"


def unavailable(reason: str) -> NoReturn:
    """Skip for lack of a tool or device; in CI (CI=true) fail instead: the tests must run."""
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: mount tests must run, not skip)", pytrace=False)
    pytest.skip(f"{reason}: run scripts/setup.sh")


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULTUI_")}
    env["VAULTUI_PASSPHRASE"] = PASSPHRASE
    return env


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(CLI), *args], capture_output=True,
                          env=cli_env(), timeout=timeout, check=False, start_new_session=True)


def is_mounted(mountpoint: Path) -> bool:
    target = os.path.realpath(mountpoint)
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == target for line in mounts if line.startswith("vaultui "))


@dataclass
class Vault:
    """A vault's URL, the CLI options to reach it, and its storage."""

    url: str
    options: list[str]
    storage: AbstractFileSystem
    root: str

    def storage_bytes(self) -> Iterator[tuple[str, bytes]]:
        """Every object under the vault's root and its bytes."""
        for path in self.storage.find(self.root):
            yield path, bytes(self.storage.cat_file(path))


@dataclass
class Mount:
    process: subprocess.Popen[bytes]
    vault: Vault
    output: list[str]
    mountpoint: Path | None = None
    url: str | None = None
    credential: dict[str, Any] | None = None
    log: Any = None


def start_mount(vault: Vault, *extra: str, mountpoint: Path | None = None,
                log: Path) -> Mount:
    """Run `vaultui-cli mount` and wait until it serves (FUSE mounted, or WebDAV URL printed)."""
    args = [str(CLI), "mount", vault.url, *([str(mountpoint)] if mountpoint else []), *extra,
            *vault.options, "--no-keyring"]
    out = open(log, "wb")  # noqa: SIM115 (the child writes it; closed with the mount)
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=out, env=cli_env(),
                               start_new_session=True)
    mount = Mount(process, vault, [], mountpoint, log=out)
    assert process.stdout is not None
    first = process.stdout.readline().decode()
    mount.output.append(first)
    if mountpoint is not None:
        wait_for(lambda: is_mounted(mountpoint) or process.poll() is not None, 30, "the mount")
        assert is_mounted(mountpoint), (first, log.read_text())
    else:
        second = process.stdout.readline().decode()
        mount.output.append(second)
        assert first.startswith("serving "), (first, log.read_text())
        mount.url = first.split(" at ")[1].split(" ")[0]
        credential_file = second.split(": ", 1)[1].strip()
        mount.credential = json.loads(Path(credential_file).read_text())
        mount.credential["file"] = credential_file
    return mount


def stop_mount(mount: Mount) -> int:
    """Unmount as a user would (vaultui-cli unmount) and wait for the process to end."""
    if mount.process.poll() is None:
        target = str(mount.mountpoint) if mount.mountpoint else str(mount.url)
        result = run_cli("unmount", target, timeout=120)
        assert result.returncode == 0, result.stderr
        if result.returncode != 0 and mount.process.poll() is None:
            mount.process.send_signal(signal.SIGTERM)
    try:
        return mount.process.wait(timeout=120)
    finally:
        if mount.process.stdout is not None:
            mount.process.stdout.close()
        if mount.log is not None:
            mount.log.close()
        if mount.mountpoint is not None and is_mounted(mount.mountpoint):
            subprocess.run(["fusermount3", "-uz", str(mount.mountpoint)], check=False)
