#!/usr/bin/env python3
"""Engine vs bare AES-GCM stream: throughput, same-run ratio and peak RSS, as a Markdown table.

Usage: run_engine_bench.py [--sizes 1M,256M,1G] [--runs 5] [--warmup 1]
                           [--combo SIV_GCM[,SIV_CTRMAC]] [--data DIR] [--out FILE] [--keep]

For every combo, size and direction, two measurements, each one fresh process per run with
engine and bare in turn (A B A B ...) so that a drift of the machine's speed cancels out in
the pair-by-pair ratio:

- throughput: `stream_work.py` times the work alone inside each process (from reading the
  key to closing the output, after the imports), the engine's streaming API against the
  shared bare stream's own loop with 32 KiB chunks. The targets are judged on this ratio.
- whole process: `engine_stream.py` (A) against the shared `aead_stream.py --chunk 32768`
  (B) under the shared timer `procbench.py`: wall time with the interpreter's start-up, and
  peak RSS (each run's own).

The engine's start-up, the load of its modules, is measured once per run on its own.
Figures are medians of the counted runs (after the warm-up). Both decryptions are compared
byte for byte with the plaintext. Random data files, the fixed bench key and the outputs
live in the data dir, outside the repo (default /tmp/vaultui-bench); the table is printed
and written to bench/results/engine-<date>.md.
"""

from __future__ import annotations

import argparse
import datetime
import filecmp
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: The shared reference harness: `../shared/bench/` beside the checkout (or worktree).
SHARED = Path(os.environ.get("VAULTUI_SHARED_BENCH", REPO.parent / "shared" / "bench"))
PROCBENCH = SHARED / "procbench.py"
AEAD_STREAM = SHARED / "aead_stream.py"
ENGINE_STREAM = HERE / "engine_stream.py"
STREAM_WORK = HERE / "stream_work.py"
DEFAULT_DATA = Path(os.environ.get("VAULTUI_BENCH_DATA", "/tmp/vaultui-bench"))
KEY_NAME = "bench.key"  # 64 bytes: the engine's master key; the bare stream uses the first 32
BARE_CHUNK = 32768  # Cryptomator's chunk size
BARE_IMPORTS = ("import argparse, os, pathlib; from cryptography.hazmat.primitives.ciphers"
                ".aead import AESGCM, ChaCha20Poly1305")
#: What engine_stream.py imports beyond BARE_IMPORTS: the engine's start-up.
ENGINE_IMPORTS = ("from vaultui.crypto.combos import CipherCombo; from vaultui.crypto.content "
                  "import content_cipher; from vaultui.crypto.keys import Masterkey; from "
                  "vaultui.crypto.stream import decrypt_stream, encrypt_stream")

#: Issue targets: engine throughput / bare throughput, and peak RSS above the interpreter.
TARGET_RATIO = {"encrypt": 1.0, "decrypt": 0.9}
TARGET_ABOVE_MIB = 64.0
#: Peak RSS counts as flat across sizes when it varies by at most this much.
FLAT_TOLERANCE_MIB = 4.0

UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([KMG]?)(?:I?B)?", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 1M, 256M, 1G)")
    return int(match[1]) * UNITS[match[2]]


def size_label(size: int) -> str:
    for unit, label in (("G", "GiB"), ("M", "MiB"), ("K", "KiB")):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]} {label}"
    return f"{size} B"


def size_tag(size: int) -> str:
    return size_label(size).replace(" ", "").replace("iB", "").lower()


@dataclass
class Stats:
    """min, median and max of one procbench row."""

    low: float
    median: float
    high: float


@dataclass
class Report:
    """What procbench printed for one case, parsed."""

    text: str
    rows: dict[str, Stats] = field(default_factory=dict)
    counted: dict[str, tuple[str, int]] = field(default_factory=dict)  # exits, runs done
    floor: float = 0.0

    def ok(self, runs: int) -> bool:
        return bool(self.counted) and all(
            exits == "0" and done == runs for exits, done in self.counted.values())


ROW = re.compile(r"^(A|B|A/B) (user s|sys s|cpu s|wall s|peak MiB|cpu|wall)\s+"
                 r"([\d.eE+-]+)\s+([\d.eE+-]+)\s+([\d.eE+-]+)\s*$")
COUNT = re.compile(r"^(A|B) exit ([\d,-]*) \((\d+) of \d+\)")
FLOOR = re.compile(r"peak floor about ([\d.]+) MiB")


def parse_report(text: str) -> Report:
    report = Report(text)
    for line in text.splitlines():
        if m := ROW.match(line):
            report.rows[f"{m[1]} {m[2]}"] = Stats(float(m[3]), float(m[4]), float(m[5]))
        elif m := COUNT.match(line):
            report.counted[m[1]] = (m[2], int(m[3]))
        elif m := FLOOR.search(line):
            report.floor = float(m[1])
    return report


def procbench(python: str, runs: int, warmup: int, timeout: float, cmd: list[str],
              vs: list[str] | None = None) -> Report:
    """Run `cmd` (and `vs` in turn with it) under the shared timer and parse its report."""
    argv = [python, str(PROCBENCH), "-n", str(runs), "--warmup", str(warmup),
            "--timeout", f"{timeout:.0f}"]
    if vs is not None:
        argv += ["--vs", shlex.join(vs)]
    argv += ["--", *cmd]
    # A child's peak RSS starts at its parent's RSS at fork time (the kernel keeps the
    # high-water mark across exec), so the timer is started from a small shell that forks
    # it: its floor is then its own size, not this script's.
    argv = ["sh", "-c", '"$@"; exit $?', "sh", *argv]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return parse_report(proc.stdout + proc.stderr)


def explain_failure(cmd: list[str]) -> str:
    """procbench throws a failing run's output away: run it once more to show why it failed."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"


def make_random_file(path: Path, size: int) -> None:
    """Random (incompressible) data, made once and kept while its size is right."""
    if path.exists() and path.stat().st_size == size:
        return
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 1 << 20))
            out.write(block)
            left -= len(block)
    tmp.replace(path)


@dataclass
class Work:
    """The timed work of one case, inside fresh processes: medians and pair ratios."""

    engine_s: float
    bare_s: float
    ratio: Stats  # bare seconds / engine seconds, pair by pair


@dataclass
class Case:
    """One direction of one combo and size: the engine (A) against the bare stream (B)."""

    combo: str
    size: int
    op: str
    engine: list[str]
    bare: list[str]
    engine_work: list[str] = field(default_factory=list)
    bare_work: list[str] = field(default_factory=list)
    report: Report | None = None
    work: Work | None = None
    round_trip: str = ""
    note: str = ""


@dataclass
class Baselines:
    """The two interpreters with their modules imported and nothing done: peak RSS."""

    engine: Stats
    bare: Stats
    floor: float


def measure_baselines(python: str, runs: int, combo: str, key: Path) -> Baselines:
    engine = [python, str(ENGINE_STREAM), "imports", "--combo", combo, "--key-file", str(key)]
    bare = [python, "-c", BARE_IMPORTS]
    report = procbench(python, runs, 1, 120, engine, bare)
    if not report.ok(runs):
        raise SystemExit(f"baseline runs failed:\n{report.text}")
    rows = report.rows
    return Baselines(rows["A peak MiB"], rows["B peak MiB"], report.floor)


@dataclass
class StartUp:
    """The engine's modules loaded on top of the bare stream's imports, wall s."""

    with_engine: Stats
    without: Stats

    @property
    def extra_ms(self) -> float:
        return (self.with_engine.median - self.without.median) * 1e3


def measure_start_up(python: str, runs: int) -> StartUp:
    """`python -c` with the bare stream's imports, with and without the engine's, in turn.

    `-P` keeps the working directory off sys.path: run from a checkout, `vaultui` would
    otherwise come from the source tree instead of the interpreter's install.
    """
    report = procbench(python, max(runs, 21), 2, 120,
                       [python, "-P", "-c", f"{BARE_IMPORTS}; {ENGINE_IMPORTS}"],
                       [python, "-P", "-c", BARE_IMPORTS])
    if not report.ok(max(runs, 21)):
        raise SystemExit(f"start-up runs failed:\n{report.text}")
    return StartUp(report.rows["A wall s"], report.rows["B wall s"])


def read_seconds(log: Path) -> list[float]:
    return [float(line) for line in log.read_text().split()] if log.exists() else []


def measure_work(case: Case, runs: int, warmup: int, logs: Path) -> None:
    """Engine and bare work in turn, one fresh process each; the warm-up pairs are dropped."""
    engine_log, bare_log = logs / "engine-seconds.log", logs / "bare-seconds.log"
    for log in (engine_log, bare_log):
        log.unlink(missing_ok=True)
    for cmd, log in ((case.engine_work, engine_log), (case.bare_work, bare_log)):
        if subprocess.run([*cmd, "--seconds-to", str(log)], capture_output=True,
                          check=False).returncode:
            case.note += f"work run failed ({explain_failure([*cmd, '--seconds-to', str(log)])}) "
            return
    for _ in range(runs + warmup - 1):
        for cmd, log in ((case.engine_work, engine_log), (case.bare_work, bare_log)):
            subprocess.run(["sync"], check=False)  # neither starts with the other's dirty pages
            subprocess.run([*cmd, "--seconds-to", str(log)], capture_output=True, check=False)
    engine, bare = read_seconds(engine_log)[warmup:], read_seconds(bare_log)[warmup:]
    if len(engine) != runs or len(bare) != runs:
        case.note += f"work runs incomplete ({len(engine)} and {len(bare)} of {runs}) "
        return
    ratios = sorted(b / e for e, b in zip(engine, bare, strict=True))
    case.work = Work(statistics.median(engine), statistics.median(bare),
                     Stats(ratios[0], statistics.median(ratios), ratios[-1]))


def run_case(case: Case, python: str, runs: int, warmup: int) -> None:
    # A generous deadline for all runs of the case: 30 MB/s for each of A and B.
    timeout = max(120.0, (runs + warmup) * 2 * case.size / 30e6)
    subprocess.run(["sync"], check=False)  # start without the previous case's dirty pages
    case.report = procbench(python, runs, warmup, timeout, case.engine, case.bare)
    if not case.report.ok(runs):
        for name, cmd in (("engine", case.engine), ("bare", case.bare)):
            exits = case.report.counted.get("A" if name == "engine" else "B", ("?", 0))
            if exits[0] != "0":
                case.note += f"{name} failed ({explain_failure(cmd)}) "
        case.note = case.note or "runs cut short by the timeout"


def verify(plain: Path, *copies: Path) -> str:
    """Byte-for-byte comparison of every round-tripped copy with the plaintext."""
    bad = [c.name for c in copies if not (c.exists() and filecmp.cmp(plain, c, shallow=False))]
    return "ok" if not bad else "MISMATCH: " + ", ".join(bad)


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        memory = f"{mem / (1 << 20):.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "? GiB"
    return f"{cpu}, {os.cpu_count()} cores, {memory}"


def revision() -> str:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=False)
        return proc.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "vaultui")
    return head + (" (vaultui/ modified)" if dirty else "")


def throughput(size: int, wall: float) -> float:
    return size / 1e6 / wall if wall > 0 else float("nan")


def table(cases: list[Case], baselines: dict[str, Baselines], start_up: StartUp, runs: int,
          warmup: int, data: Path) -> str:
    now = datetime.datetime.now(datetime.UTC)
    floor = max((b.floor for b in baselines.values()), default=0.0)
    lines = [
        f"# vaultui engine vs bare AES-GCM stream ({now:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {machine_line()}; Python {platform.python_version()}, cryptography "
        f"{metadata.version('cryptography')}, {platform.system()} {platform.release()}.",
        f"vaultui at {revision()}. Median of {runs} counted runs after {warmup} warm-up, "
        "engine and bare stream in turn, one fresh process per run; data in "
        f"{data} (page cache warm), outputs overwritten in place, `sync` before each case.",
        "Throughput = plaintext MB (10^6 bytes) / seconds of the work alone, timed inside a "
        "fresh process after its imports (`stream_work.py`: from reading the key to closing "
        "the output, first-call costs included). Ratio = engine throughput / bare throughput, "
        "pair by pair (median, min-max); the targets are judged on it.",
        "Whole process = the same file through `engine_stream.py` and `aead_stream.py` under "
        "`procbench.py`: wall s including the interpreter's start-up, pair-by-pair ratio, "
        "peak RSS. Peak RSS above interpreter = peak RSS - the same interpreter with the same "
        "modules imported ("
        + ", ".join(f"{combo}: engine {fmt(b.engine.median)} MiB, bare {fmt(b.bare.median)} MiB"
                    for combo, b in baselines.items())
        + f"); the timer cannot see below about {fmt(floor)} MiB.",
        f"Engine start-up: loading the engine's modules on top of the bare stream's imports "
        f"takes {start_up.extra_ms:.1f} ms (`python -c`, {start_up.with_engine.median * 1e3:.1f} "
        f"against {start_up.without.median * 1e3:.1f} ms, medians); every whole-process engine "
        "run pays it once.",
        "",
        "| combo | size | op | engine MB/s | bare MB/s | ratio (target) | engine work s (bare) "
        "| whole-process ratio | whole-process wall s, engine (bare) | engine peak MiB "
        "(above interp.) | bare peak MiB (above interp.) | round trip |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        head = f"| {case.combo} | {size_label(case.size)} | {case.op} |"
        rows = case.report.rows if case.report else {}
        work = case.work
        if work is None or "A wall s" not in rows or "A/B wall" not in rows:
            lines.append(f"{head} no figures: {case.note or 'not run'} | | | | | | | | |")
            continue
        base = baselines[case.combo]
        target = TARGET_RATIO[case.op]
        ratio = work.ratio
        verdict = "info" if case.combo != "SIV_GCM" else (
            "met" if ratio.median >= target else "MISSED")
        ab = rows["A/B wall"]
        a_peak, b_peak = rows["A peak MiB"].median, rows["B peak MiB"].median
        lines.append(
            f"{head} {fmt(throughput(case.size, work.engine_s))} | "
            f"{fmt(throughput(case.size, work.bare_s))} | "
            f"{ratio.median:.2f} ({ratio.low:.2f}-{ratio.high:.2f}) ≥ {target} {verdict} | "
            f"{fmt(work.engine_s)} ({fmt(work.bare_s)}) | "
            f"{1 / ab.median:.2f} ({1 / ab.high:.2f}-{1 / ab.low:.2f}) | "
            f"{fmt(rows['A wall s'].median)} ({fmt(rows['B wall s'].median)}) | "
            f"{fmt(a_peak)} ({a_peak - base.engine.median:+.1f}) | "
            f"{fmt(b_peak)} ({b_peak - base.bare.median:+.1f}) | "
            f"{case.round_trip}{' — ' + case.note if case.note else ''} |")
    lines += ["", *summary(cases, baselines, start_up)]
    return "\n".join(lines) + "\n"


def summary(cases: list[Case], baselines: dict[str, Baselines], start_up: StartUp) -> list[str]:
    """One line per target of the issue: met or missed, with the figures that decide it."""
    out = ["Targets (SIV_GCM):"]
    if not any(c.combo == "SIV_GCM" for c in cases):
        out.append("- none in this run: the targets are for SIV_GCM, other combos are for "
                   "information")
    for op, target in TARGET_RATIO.items():
        ratios = [(size_label(c.size), c.work.ratio.median) for c in cases
                  if c.combo == "SIV_GCM" and c.op == op and c.work]
        whole = [(size_label(c.size), 1 / c.report.rows["A/B wall"].median) for c in cases
                 if c.combo == "SIV_GCM" and c.op == op and c.report
                 and "A/B wall" in c.report.rows]
        if ratios:
            worst = min(r for _, r in ratios)
            figures = ", ".join(f"{s} {r:.2f}" for s, r in ratios)
            out.append(f"- {op} throughput ≥ {target}x bare: "
                       f"{'met' if worst >= target else 'MISSED'} ({figures})")
        if whole:
            out.append("  - whole process, start-up included: "
                       + ", ".join(f"{s} {r:.2f}" for s, r in whole))
    out.append(f"- engine start-up (its modules' load): +{start_up.extra_ms:.1f} ms per process")
    above = [(size_label(c.size), c.report.rows["A peak MiB"].median
              - baselines[c.combo].engine.median) for c in cases
             if c.combo == "SIV_GCM" and c.report and "A peak MiB" in c.report.rows]
    if above:
        worst = max(a for _, a in above)
        spread = worst - min(a for _, a in above)
        out.append(f"- peak RSS ≤ {TARGET_ABOVE_MIB:.0f} MiB above the interpreter: "
                   f"{'met' if worst <= TARGET_ABOVE_MIB else 'MISSED'} (at most "
                   f"{worst:+.1f} MiB)")
        out.append(f"- peak RSS flat across sizes (spread ≤ {FLAT_TOLERANCE_MIB:.0f} MiB): "
                   f"{'met' if spread <= FLAT_TOLERANCE_MIB else 'MISSED'} (spread "
                   f"{spread:.1f} MiB over {', '.join(dict.fromkeys(s for s, _ in above))}, "
                   "encrypt and decrypt)")
    trips = [c.round_trip for c in cases if c.op == "decrypt"]
    out.append(f"- round trips: {'all ok' if trips and all(t == 'ok' for t in trips) else trips}")
    return out


def publish(text: str, out: Path | None, name: str) -> None:
    """Print the table and write it to `out`, or to bench/results/`name` ({date}: today)."""
    today = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}"
    target = out or HERE / "results" / name.format(date=today)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    print()
    print(text, end="")
    print(f"wrote {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1M,256M,1G",
                        help="comma-separated sizes, e.g. 1M,256M,1G (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="counted runs (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=1, help="(default: %(default)s)")
    parser.add_argument("--combo", default="SIV_GCM",
                        help="SIV_GCM, SIV_CTRMAC or both, comma-separated (default: %(default)s)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="data dir outside the repo (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="Markdown file (default: bench/results/engine-<date>.md, "
                        "-<combos> added unless the combo is SIV_GCM alone)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for every measured process (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the outputs in DATA/out")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    combos = [c.strip().upper() for c in args.combo.split(",") if c.strip()]
    for combo in combos:
        if combo not in ("SIV_GCM", "SIV_CTRMAC"):
            parser.error(f"unknown combo {combo!r}")
    if args.data.resolve().is_relative_to(REPO.resolve()):
        parser.error("keep the data dir outside the repo")
    for tool in (PROCBENCH, AEAD_STREAM):
        if not tool.exists():
            parser.error(f"missing {tool} (set VAULTUI_SHARED_BENCH to the shared bench dir)")

    data, out = args.data, args.data / "out"
    out.mkdir(parents=True, exist_ok=True)
    key = data / KEY_NAME
    if not key.exists():
        key.write_bytes(os.urandom(64))
    py = args.python
    print("== engine start-up", flush=True)
    start_up = measure_start_up(py, args.runs)
    print(f"   +{start_up.extra_ms:.1f} ms", flush=True)
    baselines: dict[str, Baselines] = {}
    cases: list[Case] = []
    for combo in combos:
        print(f"== baseline {combo}", flush=True)
        baselines[combo] = measure_baselines(py, args.runs, combo, key)
        for size in sizes:
            tag = size_tag(size)
            plain = data / f"plain-{tag}.bin"
            make_random_file(plain, size)
            e_enc, e_dec = out / f"engine-{combo.lower()}-{tag}.c9r", out / f"engine-{tag}.dec"
            b_enc, b_dec = out / f"bare-{tag}.enc", out / f"bare-{tag}.dec"

            def engine(mode: str, src: Path, dst: Path, combo: str = combo) -> list[str]:
                return [py, str(ENGINE_STREAM), mode, str(src), str(dst), "--combo", combo,
                        "--key-file", str(key)]

            def bare(mode: str, src: Path, dst: Path) -> list[str]:
                return [py, str(AEAD_STREAM), mode, "aesgcm", str(src), str(dst),
                        "--key-file", str(key), "--chunk", str(BARE_CHUNK)]

            def work(side: str, mode: str, src: Path, dst: Path,
                     combo: str = combo) -> list[str]:
                return [py, str(STREAM_WORK), side, mode, str(src), str(dst), "--combo", combo,
                        "--key-file", str(key)]

            for op, src_e, dst_e, src_b, dst_b in (("encrypt", plain, e_enc, plain, b_enc),
                                                   ("decrypt", e_enc, e_dec, b_enc, b_dec)):
                case = Case(combo, size, op, engine(op, src_e, dst_e), bare(op, src_b, dst_b),
                            work("engine", op, src_e, dst_e), work("bare", op, src_b, dst_b))
                print(f"== {combo} {size_label(size)} {op}", flush=True)
                run_case(case, py, args.runs, args.warmup)
                measure_work(case, args.runs, args.warmup, data)
                if case.work:
                    print(f"   work: engine {case.work.engine_s * 1e3:.2f} ms, bare "
                          f"{case.work.bare_s * 1e3:.2f} ms, ratio "
                          f"{case.work.ratio.median:.2f}", flush=True)
                if op == "decrypt":
                    case.round_trip = verify(plain, e_dec, b_dec)
                    print(f"   round trip: {case.round_trip}", flush=True)
                if case.report and "A/B wall" in case.report.rows:
                    rows = case.report.rows
                    print(f"   whole process: engine {rows['A wall s'].median:.3f} s, bare "
                          f"{rows['B wall s'].median:.3f} s, ratio "
                          f"{1 / rows['A/B wall'].median:.2f}, engine peak "
                          f"{rows['A peak MiB'].median:.1f} MiB", flush=True)
                if case.note:
                    print(f"   {case.note}", flush=True)
                cases.append(case)
            for path in (e_enc, e_dec, b_enc, b_dec):
                if not args.keep:
                    path.unlink(missing_ok=True)

    suffix = "" if combos == ["SIV_GCM"] else "-" + "-".join(c.lower() for c in combos)
    publish(table(cases, baselines, start_up, args.runs, args.warmup, data), args.out,
            f"engine-{{date}}{suffix}.md")
    failed = any(c.note or (c.op == "decrypt" and c.round_trip != "ok") for c in cases)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
