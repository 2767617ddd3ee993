#!/usr/bin/env python3
"""The vault filesystem against bare fsspec storage: big transfers on S3, ls of a big folder.

Usage: fs_bench.py [--size-mib 256] [--files 10000] [--runs 3] [--data DIR] [--out FILE]
                   [--only transfer|ls]

Starts its own moto S3 server (a child process, so the server does not share this
process's GIL) on 127.0.0.1, then measures, A (through the vault) and B (bare storage)
alternately, each case `--runs` times after one warm-up pair:

* S3 upload and download of a `--size-mib` file: `put_file`/`get_file` and streaming
  `open()` + write/read in 4 MiB blocks, vault vs s3fs on the same server.
  Target: vault throughput >= 1.2x bare (issue 14).
* `--only small`: 2,000 files of 4 KiB into a local vault (put) vs a bare per-file
  AES-GCM loop (target >= 1.0x) and vs `cp -r`; `--only s3-small`: 1,000 files of 64 KiB
  up and down through the vault vs bare s3fs put/get (target >= 1.2x).
* `ls` of a vault folder holding `--files` files vs `ls` of its ciphertext folder, on the
  local disk and on S3, listing caches dropped before every run: as the first listing in
  a process ("first") and as a later one, with the decrypted names remembered ("again").
  Target: vault time <= 1.5x bare.

Prints a Markdown table of medians and writes it to bench/results/fs-<date>.md (gitignored).
Run by hand, not in CI: a full run takes a few minutes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # tests/services.py: the moto server the tests use

import fsspec  # noqa: E402

from tests.services import StoppableS3, s3_filesystem  # noqa: E402
from vaultui.fs.filesystem import VaultFileSystem  # noqa: E402
from vaultui.fs.vault import VaultLocation  # noqa: E402

MiB = 1024 * 1024
BLOCK = 4 * MiB
PASSPHRASE = "bench"
TRANSFER_TARGET = 1.2  # vault throughput / bare throughput, at least (issue 14; issue 3: 0.8)
LS_TARGET = 1.5  # vault time / bare time, at most


@dataclass
class Case:
    name: str
    kind: str  # "throughput" or "files" (ratio = A/B speed) or "time" (ratio = A/B time)
    size: int  # bytes moved per run, for throughput
    a: Callable[[], object]
    b: Callable[[], object]
    before: Callable[[], object] = lambda: None  # run (untimed) before every A and B
    a_times: list[float] | None = None
    b_times: list[float] | None = None
    min_ratio: float | None = None  # the target when it is not TRANSFER_TARGET

    def ratio(self) -> float:
        assert self.a_times and self.b_times
        a, b = statistics.median(self.a_times), statistics.median(self.b_times)
        return a / b if self.kind == "time" else b / a

    def target(self) -> str:
        return f"<= {LS_TARGET}" if self.kind == "time" else f">= {self.floor()}"

    def floor(self) -> float:
        return self.min_ratio if self.min_ratio is not None else TRANSFER_TARGET

    def met(self) -> bool:
        r = self.ratio()
        return r <= LS_TARGET if self.kind == "time" else r >= self.floor()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_case(case: Case, runs: int) -> None:
    """Warm-up pair, then A B A B ...: drifts of the machine's speed hit both alike."""
    case.a_times, case.b_times = [], []
    for i in range(runs + 1):
        for fn, times in ((case.a, case.a_times), (case.b, case.b_times)):
            case.before()
            t = timed(fn)
            if i:
                times.append(t)
    print(f"  {case.name}: A {fmt(case, case.a_times)}, B {fmt(case, case.b_times)}, "
          f"ratio {case.ratio():.2f}", flush=True)


def fmt(case: Case, times: list[float]) -> str:
    t = statistics.median(times)
    if case.kind == "throughput":
        return f"{case.size / MiB / t:.0f} MiB/s"
    if case.kind == "files":
        return f"{case.size / t:,.0f} files/s"
    return f"{t * 1000:.0f} ms"


def new_vault(fs: Any, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)


def write_stream(fs: Any, path: str, data: memoryview) -> None:
    with fs.open(path, "wb") as f:
        for i in range(0, len(data), BLOCK):
            f.write(data[i:i + BLOCK])


def read_stream(fs: Any, path: str) -> None:
    with fs.open(path, "rb") as f:
        while f.read(BLOCK):
            pass


def transfer_cases(s3: Any, vault: VaultFileSystem, data_dir: Path, size: int) -> list[Case]:
    source = data_dir / f"plain-{size // MiB}m.bin"
    if not source.exists() or source.stat().st_size != size:
        with source.open("wb") as f:
            for _ in range(size // MiB):
                f.write(os.urandom(MiB))
    data = memoryview(source.read_bytes())
    out = data_dir / "out.bin"
    label = f"{size // MiB} MiB"
    s3.makedirs("bench/bare", exist_ok=True)
    vault.put_file(str(source), "big.bin")
    s3.put_file(str(source), "bench/bare/big.bin")

    def check_download(path: Path) -> None:
        # Not timed: the download must have produced the same bytes.
        if path.stat().st_size != size:
            raise SystemExit(f"download of {path} has the wrong size")

    def download(fs: Any, path: str) -> None:
        fs.get_file(path, str(out))
        check_download(out)

    return [
        Case(f"S3 upload {label} (put_file)", "throughput", size,
             lambda: vault.put_file(str(source), "big.bin"),
             lambda: s3.put_file(str(source), "bench/bare/big.bin")),
        Case(f"S3 download {label} (get_file)", "throughput", size,
             lambda: download(vault, "big.bin"),
             lambda: download(s3, "bench/bare/big.bin"),
             before=lambda: out.unlink(missing_ok=True)),
        Case(f"S3 write {label} (open wb, 4 MiB writes)", "throughput", size,
             lambda: write_stream(vault, "stream.bin", data),
             lambda: write_stream(s3, "bench/bare/stream.bin", data)),
        Case(f"S3 read {label} (open rb, 4 MiB reads)", "throughput", size,
             lambda: read_stream(vault, "stream.bin"),
             lambda: read_stream(s3, "bench/bare/stream.bin"),
             before=s3.invalidate_cache),
    ]


def small_file_tree(folder: Path, count: int, size: int) -> None:
    """`count` random files of `size` bytes in folders of 100."""
    for i in range(count):
        sub = folder / f"d{i // 100:03d}"
        if i % 100 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:05d}.bin").write_bytes(os.urandom(size))


def bare_gcm_tree(source: Path, dest: Path, key: bytes) -> int:
    """The floor: each file read, sealed with AES-GCM under a fresh nonce, written."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    count = 0
    for folder in sorted(source.iterdir()):
        out = dest / folder.name
        out.mkdir(parents=True)
        for f in sorted(folder.iterdir()):
            nonce = os.urandom(12)
            (out / f.name).write_bytes(nonce + aead.encrypt(nonce, f.read_bytes(), None))
            count += 1
    return count


def small_cases(work: Path, count: int, size: int, jobs: int) -> list[Case]:
    """`count` files of `size` bytes into a new local vault folder (EncryptTree, as
    `vaultui-cli put -j JOBS` does) against a bare per-file AES-GCM loop and `cp -r`."""
    import subprocess

    from vaultui.tasks.transfer import EncryptTree

    source = work / "small-src"
    small_file_tree(source, count, size)
    local = fsspec.filesystem("file")
    vault = new_vault(local, str(work / "small-vault"))
    runs = iter(range(1_000_000))
    key = os.urandom(32)
    out = work / "small-out"

    def clear() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def put() -> None:
        result = EncryptTree(vault, [str(source)], f"run-{next(runs)}", workers=jobs).run()
        if result.files != count:
            raise SystemExit("the vault put is incomplete")

    def bare() -> None:
        if bare_gcm_tree(source, out, key) != count:
            raise SystemExit("the bare loop is incomplete")

    def copy() -> None:
        subprocess.run(["cp", "-r", str(source), str(out)], check=True)

    label = f"{count:,} files of {size // 1024} KiB into a local vault (put -j {jobs})"
    return [
        Case(f"{label} vs bare AES-GCM loop", "files", count, put, bare, before=clear,
             min_ratio=1.0),
        Case(f"{label} vs cp -r", "files", count, put, copy, before=clear, min_ratio=0.0),
    ]


def s3_small_cases(s3: Any, vault: VaultFileSystem, work: Path, count: int, size: int,
                   jobs: int) -> list[Case]:
    """`count` files of `size` bytes up to S3 and back: through the vault (EncryptTree and
    DecryptTree with `jobs` workers, as `vaultui-cli put/get -j`) against bare s3fs
    `put`/`get` of the folder (its own concurrent batches)."""
    from vaultui.tasks.transfer import DecryptTree, EncryptTree

    source = work / "s3-small-src"
    small_file_tree(source, count, size)
    out = work / "s3-small-out"
    EncryptTree(vault, [str(source)], "small", workers=jobs).run()
    s3.put(str(source), "bench/bare-small", recursive=True)

    def clear() -> None:
        shutil.rmtree(out, ignore_errors=True)
        s3.invalidate_cache()
        vault.invalidate_cache()

    def put_vault() -> None:
        EncryptTree(vault, [str(source)], "small", workers=jobs).run()

    def put_bare() -> None:
        s3.put(str(source), "bench/bare-small", recursive=True)

    def get_vault() -> None:
        result = DecryptTree(vault, ["small/s3-small-src"], str(out), workers=jobs).run()
        if result.files != count:
            raise SystemExit("the vault download is incomplete")

    def get_bare() -> None:
        s3.get("bench/bare-small/", str(out), recursive=True)

    label = f"{count:,} files of {size // 1024} KiB"
    return [
        Case(f"S3 upload {label} (put -j {jobs} / s3fs put)", "files", count, put_vault,
             put_bare, before=clear),
        Case(f"S3 download {label} (get -j {jobs} / s3fs get)", "files", count, get_vault,
             get_bare, before=clear),
    ]


def many_files(vault: VaultFileSystem, count: int) -> str:
    """A vault folder of `count` small files; returns its ciphertext folder."""
    vault.mkdir("many")
    for i in range(count):
        vault.pipe_file(f"many/file-{i:05d}.txt", b"x" * (i % 100))
    return vault.ciphertext_paths("many")[-1]


def ls_cases(where: str, vault: VaultFileSystem, content: str, count: int) -> list[Case]:
    """ls of the vault folder vs its ciphertext folder, listing caches dropped every run.

    "first": as the first listing of the folder in a process, every name decrypted;
    "again": a later listing, whose names the filesystem remembers (a GUI's refresh).
    """
    storage = vault.storage

    def again() -> None:
        storage.invalidate_cache()
        vault.invalidate_cache()

    def first() -> None:
        again()
        vault.mapper.forget_names()  # a fresh process has no decrypted names yet

    def vault_ls() -> None:
        if len(vault.ls("many")) != count:
            raise SystemExit("the vault listing is incomplete")

    def bare_ls() -> None:
        if len(storage.ls(content, detail=True)) < count:  # and dirid.c9r
            raise SystemExit("the ciphertext listing is incomplete")

    return [Case(f"ls {count:,} files, {where}, {label}", "time", 0, vault_ls, bare_ls,
                 before=before) for label, before in (("first", first), ("again", again))]


def versions() -> str:
    names = ("fsspec", "s3fs", "botocore", "moto", "cryptography")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def table(cases: list[Case], runs: int) -> str:
    lines = [
        "| case | vault (A) | bare (B) | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in cases:
        assert c.a_times and c.b_times
        lines.append(f"| {c.name} | {fmt(c, c.a_times)} | {fmt(c, c.b_times)} | "
                     f"{c.ratio():.2f}x | {c.target()} | {'yes' if c.met() else 'NO'} |")
    lines += [
        "",
        f"Medians of {runs} runs after a warm-up, A and B alternating. Ratio: vault/bare "
        "throughput for transfers, vault/bare time for ls.",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; "
        f"{versions()}; moto server in a child process on 127.0.0.1.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("VAULTUI_BENCH_DATA", "/tmp/vaultui-bench")))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--only", choices=("transfer", "ls", "small", "s3-small"),
                        default=None)
    parser.add_argument("--s3-files", type=int, default=1000)
    parser.add_argument("--s3-kib", type=int, default=64)
    parser.add_argument("--small-files", type=int, default=2000)
    parser.add_argument("--small-kib", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=4, help="workers of the small-file put")
    args = parser.parse_args()
    if args.runs < 3:
        parser.error("--runs must be at least 3 (medians of fewer mean little)")

    # Loopback only, and never the caller's AWS settings.
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    args.data.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fs-bench-", dir=args.data))
    server = StoppableS3(work)
    cases: list[Case] = []
    try:
        s3 = s3_filesystem(server.endpoint_url, retries={"max_attempts": 3, "mode": "standard"})
        s3.mkdir("bench")
        s3_vault = new_vault(s3, "bench/vault")
        if args.only in (None, "transfer"):
            print("transfers on S3", flush=True)
            for case in transfer_cases(s3, s3_vault, args.data, args.size_mib * MiB):
                run_case(case, args.runs)
                cases.append(case)
        if args.only in (None, "s3-small"):
            print(f"{args.s3_files:,} files of {args.s3_kib} KiB on S3", flush=True)
            for case in s3_small_cases(s3, s3_vault, work, args.s3_files, args.s3_kib * 1024,
                                       args.jobs):
                run_case(case, args.runs)
                cases.append(case)
        if args.only in (None, "small"):
            print(f"{args.small_files:,} small files into a local vault", flush=True)
            for case in small_cases(work, args.small_files, args.small_kib * 1024, args.jobs):
                run_case(case, args.runs)
                cases.append(case)
        if args.only in (None, "ls"):
            print(f"making a folder of {args.files:,} files (local, then copied to S3)",
                  flush=True)
            local = fsspec.filesystem("file")
            local_vault = new_vault(local, str(work / "ls-vault"))
            content = many_files(local_vault, args.files)
            s3.put(str(work / "ls-vault"), "bench/ls-vault", recursive=True)
            s3_ls_vault = VaultFileSystem(fs=s3, root="bench/ls-vault", passphrase=PASSPHRASE)
            s3_content = "bench/ls-vault/" + os.path.relpath(content, work / "ls-vault")
            for case in (*ls_cases("local disk", local_vault, content, args.files),
                         *ls_cases("S3", s3_ls_vault, s3_content, args.files)):
                run_case(case, args.runs)
                cases.append(case)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
        (args.data / "out.bin").unlink(missing_ok=True)

    text = table(cases, args.runs)
    print()
    print(text)
    out = args.out or HERE / "results" / f"fs-{datetime.date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# fs bench {datetime.datetime.now().isoformat(timespec='seconds')}\n\n"
                   f"{text}\n")
    print(f"\nwritten to {out}")
    return 0 if all(c.met() for c in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
