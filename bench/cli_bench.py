#!/usr/bin/env python3
"""vaultui-cli encrypt/decrypt of 1 GiB from stdin, against age and the bare AES-GCM stream.

Usage: .venv/bin/python bench/cli_bench.py [--size-mib 1024] [--repeat 3] [--data-dir DIR]

All three run in the same session on the same data, so their ratios are comparable:

* vaultui-cli: `encrypt --key-file K --file OUT < DATA` and `decrypt ... > OUT` (one
  Cryptomator SIV_GCM file: 32 KiB AES-GCM chunks, streaming);
* age 1.x (Debian package `age`, installed with apt when missing): X25519 recipient,
  `age -r R -o OUT < DATA` and `age -d -i KEY -o OUT IN` (ChaCha20-Poly1305, 64 KiB chunks);
* the floor: /work/shared/bench/aead_stream.py aesgcm --chunk 32768 (file to file: it reads
  no stdin), the same chunk size and cipher in a bare Python loop.

Data and outputs live in a tmpfs folder (/dev/shm) by default, removed afterwards: on a
disk, writeback of 1 GiB outputs made run-to-run times vary by 3x. Each figure is the median of the
repeats, with wall time, throughput and the peak RSS (sampled VmHWM) of the process. Results are
printed as a Markdown table and also written to bench/results/cli_bench.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "vaultui-cli"
AEAD_STREAM = Path(os.environ.get("AEAD_STREAM", "/work/shared/bench/aead_stream.py"))


@dataclass
class Measure:
    seconds: float
    max_rss_mib: float


def _hwm_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(argv: list[str], stdin: Path | None = None, stdout: Path | None = None) -> Measure:
    """Run one process; its wall time and peak RSS.

    The peak is VmHWM from /proc, sampled every 20 ms (the last sample before exit is a
    lower bound): getrusage/wait4 would report at least this Python's own RSS, which a
    child carries over through fork and exec.
    """
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    peak = 0.0
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=fin, stdout=fout)
        while True:
            hwm = _hwm_mib(proc.pid)
            if hwm is not None:
                peak = max(peak, hwm)
            try:
                code = proc.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                continue
        elapsed = time.perf_counter() - start
    finally:
        for f in (fin, fout):
            if hasattr(f, "close"):
                f.close()
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(argv)}")
    return Measure(elapsed, peak)


def ensure_age() -> None:
    if shutil.which("age") and shutil.which("age-keygen"):
        return
    if os.geteuid() != 0:
        raise SystemExit("age is not installed and we are not root: apt-get install age")
    print("installing age with apt-get …", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "age"],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def make_data(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 16 << 20)
            f.write(os.urandom(n))
            left -= n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    ensure_age()
    if not AEAD_STREAM.exists():
        raise SystemExit(f"{AEAD_STREAM} is missing (set AEAD_STREAM)")
    own_dir = args.data_dir is None
    shm = Path("/dev/shm")
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="vaultui-cli-bench-",
                                                  dir=shm if shm.is_dir() else None))
    work.mkdir(parents=True, exist_ok=True)
    size = args.size_mib << 20
    data = work / "data.bin"
    make_data(data, size)

    key = work / "vaultui.key"
    key.write_bytes(subprocess.run([str(CLI), "gen-key", "--format", "base64"], check=True,
                                   capture_output=True).stdout)
    age_key = work / "age.key"
    if not age_key.exists():
        subprocess.run(["age-keygen", "-o", str(age_key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(age_key)], check=True,
                               capture_output=True, text=True).stdout.strip()
    raw_key = work / "aead.key"
    raw_key.write_bytes(os.urandom(32))

    enc, dec = work / "out.enc", work / "out.dec"
    py = sys.executable
    cases: list[tuple[str, str, list[str], Path | None, Path | None]] = [
        ("vaultui-cli", "encrypt (stdin)",
         [str(CLI), "encrypt", "--key-file", str(key), "--file", str(enc)], data, None),
        ("vaultui-cli", "decrypt (stdout)",
         [str(CLI), "decrypt", "--key-file", str(key), "--file", str(enc)], None, dec),
        ("age", "encrypt (stdin)", ["age", "-r", recipient, "-o", str(enc)], data, None),
        ("age", "decrypt", ["age", "-d", "-i", str(age_key), "-o", str(dec), str(enc)],
         None, None),
        ("aead_stream.py", "encrypt (file)",
         [py, str(AEAD_STREAM), "encrypt", "aesgcm", str(data), str(enc), "--key-file",
          str(raw_key), "--chunk", "32768"], None, None),
        ("aead_stream.py", "decrypt (file)",
         [py, str(AEAD_STREAM), "decrypt", "aesgcm", str(enc), str(dec), "--key-file",
          str(raw_key), "--chunk", "32768"], None, None),
    ]
    rows = []
    # Interleave the tools within each repeat so drift hits all of them alike.
    results: dict[int, list[Measure]] = {i: [] for i in range(len(cases))}
    for _ in range(args.repeat):
        for i, (_, _, argv, stdin, stdout) in enumerate(cases):
            results[i].append(run(argv, stdin, stdout))
    floor = {}
    for i, (tool, what, *_rest) in enumerate(cases):
        secs = statistics.median(m.seconds for m in results[i])
        rss = max(m.max_rss_mib for m in results[i])
        if tool == "aead_stream.py":
            floor[what.split()[0]] = secs
        rows.append((tool, what, secs, size / secs / 1e6, rss,
                     min(m.seconds for m in results[i]), max(m.seconds for m in results[i])))
    lines = [
        f"# vaultui-cli bench: {args.size_mib} MiB, median of {args.repeat}",
        "",
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"age {subprocess.run(['age', '--version'], capture_output=True, text=True).stdout.strip()}"
        f", data in {work}",
        "",
        "| tool | operation | seconds (min-max) | MB/s | peak RSS MiB | x floor |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for tool, what, secs, mbs, rss, lo, hi in rows:
        ratio = secs / floor[what.split()[0]]
        lines.append(f"| {tool} | {what} | {secs:.2f} ({lo:.2f}-{hi:.2f}) | {mbs:,.0f} | "
                     f"{rss:.1f} | {ratio:.2f} |")
    text = "\n".join(lines)
    print(text)
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "cli_bench.md").write_text(text + "\n")
    for p in (enc, dec):
        p.unlink(missing_ok=True)
    if own_dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
