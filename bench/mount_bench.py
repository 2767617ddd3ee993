#!/usr/bin/env python3
"""The vault as a drive against vaultui-cli, on one local vault in one run.

Usage: .venv/bin/python bench/mount_bench.py [--size-mib 1024] [--dav-size-mib 256]
       [--files 10000] [--data-dir DIR]

Measures, each against its reference in the same session on the same data:

* FUSE sequential read of a file (`cp mnt/file out`) vs `vaultui-cli get` of it;
* FUSE sequential write (`cp in mnt/file`, closing uploads it) vs `vaultui-cli put`;
* `ls -l` of a folder of `--files` files on a fresh mount vs `vaultui-cli ls -l`;
* WebDAV GET and PUT with curl vs `vaultui-cli get`/`put` of the same size;
* the mount process's peak RSS (VmHWM) after each step: flat means memory does not grow
  with the file size.

Targets (issue 13): FUSE read ≥ 0.7x get, write ≥ 0.6x put; ls -l ≤ 2x the CLI's ls;
WebDAV GET/PUT ≥ 0.5x get/put. Data, vault and outputs live in --data-dir (default a
folder under /dev/shm, removed afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).parent / "vaultui-cli"
PASSPHRASE = "bench passphrase"


def env() -> dict[str, str]:
    return {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}


def timed(*args: str, out: int | None = subprocess.DEVNULL) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env(), stdout=out, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cli(*args: str) -> float:
    return timed(str(CLI), *args, "--no-keyring")


def hwm_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def is_mounted(path: Path) -> bool:
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == str(path) for line in f)


def wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def mount_fuse(vault: Path, mnt: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(CLI), "mount", str(vault), str(mnt), "--no-keyring"],
                            env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: is_mounted(mnt), "the FUSE mount")
    return proc


def unmount(proc: subprocess.Popen[bytes], mnt: Path | None = None) -> None:
    if mnt is not None:
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
    else:
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dav-size-mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mount-bench-", dir=args.data_dir or "/dev/shm"))
    rows: list[tuple[str, str, str, str]] = []
    try:
        vault, mnt = work / "vault", work / "mnt"
        mnt.mkdir()
        subprocess.run([str(CLI), "init", str(vault), "--scrypt-cost", "1024", "--no-keyring"],
                       check=True, env=env(), stderr=subprocess.DEVNULL)
        big = work / "big.bin"
        with open(big, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
        mib = args.size_mib

        put = cli("put", str(vault), str(big), "/")
        get = cli("get", str(vault), "big.bin", str(work / "got"))
        os.unlink(work / "got")

        proc = mount_fuse(vault, mnt)
        read = timed("cp", str(mnt / "big.bin"), str(work / "read.bin"))
        os.unlink(work / "read.bin")
        write = timed("cp", str(big), str(mnt / "written.bin"))
        peak = hwm_mib(proc.pid)
        unmount(proc, mnt)
        rows += [
            (f"FUSE read {mib} MiB", f"{read:.2f} s ({mib / read:.0f} MiB/s)",
             f"get {get:.2f} s ({mib / get:.0f} MiB/s)", f"{get / read:.2f} (≥ 0.7)"),
            (f"FUSE write {mib} MiB", f"{write:.2f} s ({mib / write:.0f} MiB/s)",
             f"put {put:.2f} s ({mib / put:.0f} MiB/s)", f"{put / write:.2f} (≥ 0.6)"),
            ("FUSE mount peak RSS", f"{peak:.0f} MiB", "", ""),
        ]

        # A folder of many small files, written straight through the engine.
        subprocess.run([sys.executable, "-c", (
            "import sys\nfrom vaultui.fs.filesystem import VaultFileSystem\n"
            f"fs = VaultFileSystem({str(vault)!r}, passphrase={PASSPHRASE!r})\n"
            f"for i in range({args.files}):\n    fs.pipe_file(f'many/f{{i:05d}}.txt', b'x' * i)\n"
        )], check=True)
        ls_cli = cli("ls", "-l", str(vault), "many")
        proc = mount_fuse(vault, mnt)
        ls_fuse = timed("ls", "-l", str(mnt / "many"))
        unmount(proc, mnt)
        rows.append((f"ls -l of {args.files} files", f"{ls_fuse:.2f} s",
                     f"vaultui-cli ls -l {ls_cli:.2f} s", f"{ls_fuse / ls_cli:.2f}x (≤ 2)"))

        # WebDAV with curl.
        dmib = args.dav_size_mib
        small = work / "dav.bin"
        with open(big, "rb") as src, open(small, "wb") as dst:
            dst.write(src.read(dmib << 20))
        dput = cli("put", str(vault), str(small), "/")
        dget = cli("get", str(vault), "dav.bin", str(work / "dav-got"))
        proc = subprocess.Popen([str(CLI), "mount", str(vault), "--webdav", "--no-keyring"],
                                env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().split(" at ")[1].split(" ")[0]
        cred = json.loads(Path(proc.stdout.readline().decode().split(": ", 1)[1].strip())
                          .read_text())
        user = f"{cred['user']}:{cred['password']}"
        curl = ["curl", "-sf", "--netrc-optional", "-u", user]
        wput = timed(*curl, "-T", str(small), url + "dav.bin")
        wget = timed(*curl, "-o", str(work / "dav-out.bin"), url + "dav.bin")
        dpeak = hwm_mib(proc.pid)
        unmount(proc)
        proc.stdout.close()
        rows += [
            (f"WebDAV PUT {dmib} MiB", f"{wput:.2f} s ({dmib / wput:.0f} MiB/s)",
             f"put {dput:.2f} s", f"{dput / wput:.2f} (≥ 0.5)"),
            (f"WebDAV GET {dmib} MiB", f"{wget:.2f} s ({dmib / wget:.0f} MiB/s)",
             f"get {dget:.2f} s", f"{dget / wget:.2f} (≥ 0.5)"),
            ("WebDAV server peak RSS", f"{dpeak:.0f} MiB", "", ""),
        ]
    finally:
        for path in (work / "mnt",):
            if is_mounted(path):
                subprocess.run(["fusermount3", "-uz", str(path)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    print("| measure | mount | reference | ratio (target) |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
