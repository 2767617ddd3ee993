#!/usr/bin/env python3
"""Key rotation against `vaultui-cli get` + `put` of the same data, on a local vault.

Usage: .venv/bin/python bench/rotate_bench.py [--total-mib 1024] [--files 1000] [--jobs 4]
       [--data-dir DIR]

Makes DATA (FILES random files, TOTAL MiB in all) and a local vault, then times, each as a
separate vaultui-cli process: `put VAULT DATA /` into an empty vault, `get VAULT / OUT`, and
`rotate-key VAULT` (re-encrypt everything, verify, switch, remove the old tree). The target
(issue 15): rotation throughput ≥ 0.5x that of get + put, i.e. rotate time ≤ 2 x (get + put)
time. Data lives in /dev/shm by default so that disk writeback does not dominate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).parent / "vaultui-cli"
PASSPHRASE = "bench passphrase"


def timed(*args: str) -> float:
    env = dict(os.environ, VAULTUI_PASSPHRASE=PASSPHRASE)
    start = time.perf_counter()
    subprocess.run([str(CLI), *args, "--no-keyring"], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--data-dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vaultui-rotate-bench-", dir=args.data_dir))
    try:
        data, vault, out = work / "data", work / "vault", work / "out"
        data.mkdir()
        size = args.total_mib * 1024 * 1024 // args.files
        for i in range(args.files):
            (data / f"f{i:05d}.bin").write_bytes(os.urandom(size))
        total = size * args.files
        env = dict(os.environ, VAULTUI_PASSPHRASE=PASSPHRASE)
        subprocess.run([str(CLI), "init", str(vault)], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        put = timed("put", str(vault), str(data), "/", "-j", str(args.jobs))
        get = timed("get", str(vault), "/", str(out), "-j", str(args.jobs))
        rotate = timed("rotate-key", str(vault), "-j", str(args.jobs))
        mb = total / 1e6
        print(f"{args.files} files, {total / 2**20:.0f} MiB, -j {args.jobs}")
        print(f"put      {put:7.2f} s  {mb / put:7.1f} MB/s")
        print(f"get      {get:7.2f} s  {mb / get:7.1f} MB/s")
        print(f"get+put  {get + put:7.2f} s  {mb / (get + put):7.1f} MB/s")
        print(f"rotate   {rotate:7.2f} s  {mb / rotate:7.1f} MB/s")
        ratio = (get + put) / rotate
        print(f"ratio    {ratio:.2f}x of get+put (target >= 0.5x: "
              f"{'met' if ratio >= 0.5 else 'NOT met'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
