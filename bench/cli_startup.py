#!/usr/bin/env python3
"""How long vaultui-cli takes to start: --version, --help and `ls` of a small local vault.

Usage: .venv/bin/python bench/cli_startup.py [--runs 21]

Targets (issue 14): `--version` and `--help` at most 1.5x `python -c pass` of the same
interpreter; `ls` of a small vault at most `python -c pass` + the unlock's scrypt + 50 ms.
The processes run round-robin, so a drift of the machine hits all alike; each figure is
the median wall time, with the median CPU time (user + system) beside it, which a busy
machine disturbs less. scrypt is timed in this process with the vault's own parameters.
Prints a Markdown table and writes it to bench/results/cli_startup.md (not committed).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "vaultui-cli"
PASSPHRASE = "startup bench passphrase"
SCRYPT_N = 32768  # vaultui-cli init's default (crypto/constants.py)


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime


def scrypt_seconds(runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        hashlib.scrypt(b"x" * 24, salt=os.urandom(8), n=SCRYPT_N, r=8, p=1,
                       maxmem=128 * SCRYPT_N * 8 * 2, dklen=32)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    # pip compiles an installed package's bytecode; an editable checkout (or one run with
    # PYTHONDONTWRITEBYTECODE) would compile every module on every start instead.
    compileall.compile_dir(str(REPO / "vaultui"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="vaultui-startup-"))
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    try:
        vault = work / "vault"
        subprocess.run([str(CLI), "init", "--no-keyring", str(vault)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(10):
            (work / f"f{i}.txt").write_text("x" * i)
        subprocess.run([str(CLI), "put", "--no-keyring", str(vault),
                        *[str(work / f"f{i}.txt") for i in range(10)], "/"],
                       env=env, check=True, stderr=subprocess.DEVNULL)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "vaultui-cli --version": [str(CLI), "--version"],
            "vaultui-cli --help": [str(CLI), "--help"],
            "vaultui-cli ls (10 files, local)": [str(CLI), "ls", "--no-keyring", str(vault)],
        }
        walls: dict[str, list[float]] = {k: [] for k in cases}
        cpus: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                wall, used = run(argv, env)
                walls[name].append(wall)
                cpus[name].append(used)
        scrypt = scrypt_seconds(5)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    base, base_cpu = med["python -c pass"], cpu["python -c pass"]
    lines = ["| command | wall ms | CPU ms | ratio (wall / CPU) | target | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    ok = True
    for name in cases:
        if name.startswith("python"):
            lines.append(f"| {name} | {med[name] * 1000:.0f} | {cpu[name] * 1000:.0f} | "
                         "1.00 | | |")
            continue
        if "ls" in name:
            limit = base + scrypt + 0.050
            target = f"<= pass + scrypt ({scrypt * 1000:.0f} ms) + 50 ms = {limit * 1000:.0f} ms"
            met = med[name] <= limit
            ratio = f"{med[name] / base:.2f} / {cpu[name] / base_cpu:.2f}"
        else:
            target = "<= 1.5x pass"
            met = med[name] <= 1.5 * base
            ratio = f"{med[name] / base:.2f}x / {cpu[name] / base_cpu:.2f}x"
        ok = ok and met
        lines.append(f"| {name} | {med[name] * 1000:.0f} | {cpu[name] * 1000:.0f} | {ratio} | "
                     f"{target} | {'yes' if met else 'NO'} |")
    lines += ["", f"Medians of {args.runs} runs, round-robin; Python "
              f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f}; scrypt N={SCRYPT_N}, r=8 timed in-process."]
    text = "\n".join(lines)
    print(text)
    out = REPO / "bench" / "results" / "cli_startup.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
