"""One process of the concurrent-writers stress test (test_concurrent_writers.py).

Run as ``python -m tests.fs.stress_worker``; reads its job as one JSON line on stdin,
prints ``ready``, waits for ``go``, works, prints one JSON line of what it did. The
reader works until its stdin closes. Any error ends it with exit code 1 and the
traceback on stderr.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from typing import Any

import fsspec

from tests.services import s3_filesystem
from vaultui.fs.filesystem import VaultFileSystem


def payload(name: str) -> bytes:
    """What a file called `name` holds, wherever it has been moved: a bit more than one
    32 KiB chunk, so a reader of a half-written file would notice."""
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * 2048)[: 40_000 + seed[0] * 100]


def open_vault(job: dict[str, Any]) -> VaultFileSystem:
    fs = s3_filesystem(job["endpoint"]) if job["storage"] == "s3" else fsspec.filesystem("file")
    return VaultFileSystem(fs=fs, root=job["root"], passphrase=job["passphrase"])


def writer(job: dict[str, Any]) -> list[str]:
    """Round after round, first writes into a new folder the other writers also fill."""
    vfs = open_vault(job)
    wait_for_go()
    written = []
    for r in range(job["rounds"]):
        for k in range(job["files"]):
            name = f"part-{r}-{job['index']}-{k}"
            vfs.pipe_file(f"round-{r}/{name}", payload(name))
            written.append(name)
    return written


def racer(job: dict[str, Any]) -> list[str]:
    """Meanwhile: make, move and remove folders of its own, and move the writers'
    finished rounds (maybe before a slow writer is done with them)."""
    vfs = open_vault(job)
    wait_for_go()
    done = []
    for r in range(job["rounds"]):
        for name in (f"scratch-{r}-a", f"scratch-{r}-b"):
            vfs.pipe_file(f"scratch-{r}/{name[-1]}/{name}", payload(name))
        vfs.mv(f"scratch-{r}", f"moved-{r}")
        if r:
            vfs.rm(f"moved-{r - 1}", recursive=True)
        if r >= 2:
            try:
                vfs.mv(f"round-{r - 2}", f"done/round-{r - 2}")
                done.append(f"round-{r - 2}")
            except FileNotFoundError:
                pass
    return done


def reader(job: dict[str, Any]) -> int:
    """Until stdin closes: list everything and read every file; each must be whole."""
    vfs = open_vault(job)
    stop = threading.Event()
    wait_for_go()

    def wait_for_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    checked = 0
    while not stop.is_set():
        for path in vfs.find(""):
            try:
                data = vfs.cat_file(path)
            except FileNotFoundError:
                continue  # moved or removed since it was listed
            name = path.rpartition("/")[2]
            if data != payload(name):
                raise AssertionError(f"{path}: {len(data)} bytes, not what was written")
            checked += 1
    return checked


def wait_for_go() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")


def main() -> None:
    job = json.loads(sys.stdin.readline())
    role = {"writer": writer, "racer": racer, "reader": reader}[job["role"]]
    print(json.dumps(role(job)), flush=True)


if __name__ == "__main__":
    main()
