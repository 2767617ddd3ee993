#!/usr/bin/env python3
"""The vault engine against the reference tools, in one run: throughput, ratio, peak RSS.

Usage: references.py [--size 1G] [--runs 3] [--python PY] [--fsenc-python PY]
                     [--data DIR] [--out FILE]

Every tool encrypts and decrypts the same random file, disk to disk, one process per run
under the shared whole-process timer (`../shared/bench/procbench.py`), each paired with
the bare AES-GCM stream (`aead_stream.py --chunk 32768`, Cryptomator's chunk size) run in
turn with it, so every ratio below comes from the same run and the same machine state:

* vaultui: `engine_stream.py` (SIV_GCM, the format of new vaults), through `--python`
  (a venv with vaultui installed by `pip install .`);
* age (X25519 recipient, ChaCha20-Poly1305 in 64 KiB chunks), installed with apt if missing;
* rclone crypt (XSalsa20-Poly1305 in 64 KiB blocks) over a local folder, `copyto -I`;
* fsspec-encrypted 0.8 (AES-CBC over the whole file, in memory) through the shared
  `fsenc_bench.py`, run by `--fsenc-python` (a venv with fsspec-encrypted);
* `cp` (the disk floor) and `openssl speed -evp aes-256-gcm` (the cipher floor, its own
  figure, no file).

Tools that are missing are reported as such. Decryptions are compared with the plaintext.
The table is printed and written to bench/results/references-<date>.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_engine_bench as engine_bench  # noqa: E402 - the sibling script, for its helpers

SHARED = engine_bench.SHARED
FSENC_BENCH = SHARED / "fsenc_bench.py"
DEFAULT_DATA = Path(os.environ.get("VAULTUI_BENCH_DATA", "/tmp/vaultui-bench"))


@dataclass
class Row:
    """One tool and direction, timed in turn with the bare stream."""

    tool: str
    op: str
    cmd: list[str] | None  # None: the tool is missing
    bare: list[str]
    check: tuple[Path, Path] | None = None
    report: engine_bench.Report | None = None
    round_trip: str = ""
    note: str = ""


def ensure_tool(name: str) -> bool:
    """Whether `name` is on PATH, after one attempt to install it with apt as root."""
    if shutil.which(name):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", name], capture_output=True,
                       check=False)
    return shutil.which(name) is not None


def openssl_gcm_mb_s() -> str:
    """openssl's own AES-256-GCM figure for 16 KiB blocks, one thread, in MB/s."""
    if not shutil.which("openssl"):
        return "openssl missing"
    proc = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", "16384",
                           "-seconds", "3"], capture_output=True, text=True, check=False)
    match = re.search(r"^aes-256-gcm\s+([\d.]+)k", proc.stdout, re.MULTILINE | re.IGNORECASE)
    return f"{float(match[1]) * 1000 / 1e6:,.0f} MB/s" if match else "no figure"


def rclone_config(data: Path) -> Path:
    """A crypt remote over a local folder under `data` (nothing points at the network)."""
    obscure = subprocess.run(["rclone", "obscure", "references-bench-passphrase"],
                             capture_output=True, text=True, check=True).stdout.strip()
    salt = subprocess.run(["rclone", "obscure", "references-bench-salt"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (data / "rclone-vault").mkdir(exist_ok=True)
    config = data / "rclone.conf"
    config.write_text(f"[vault]\ntype = crypt\nremote = {data / 'rclone-vault'}\n"
                      f"filename_encryption = standard\ndirectory_name_encryption = true\n"
                      f"password = {obscure}\npassword2 = {salt}\n")
    return config


def age_keys(data: Path) -> tuple[Path, str]:
    key = data / "age.key"
    if not key.exists():
        subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, check=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], capture_output=True,
                               text=True, check=True).stdout.strip()
    return key, recipient


def rows_for(args: argparse.Namespace, data: Path, plain: Path, tag: str) -> list[Row]:
    out, key = data / "out", data / engine_bench.KEY_NAME
    py = args.python

    def bare(mode: str, src: Path, dst: Path) -> list[str]:
        return [py, str(engine_bench.AEAD_STREAM), mode, "aesgcm", str(src), str(dst),
                "--key-file", str(key), "--chunk", str(engine_bench.BARE_CHUNK)]

    bare_enc = bare("encrypt", plain, out / f"bare-{tag}.enc")
    bare_dec = bare("decrypt", out / f"bare-{tag}.enc", out / f"bare-{tag}.dec")
    rows = [
        Row("vaultui engine (SIV_GCM)", "encrypt",
            [py, str(engine_bench.ENGINE_STREAM), "encrypt", str(plain),
             str(out / f"vaultui-{tag}.c9r"), "--key-file", str(key)], bare_enc),
        Row("vaultui engine (SIV_GCM)", "decrypt",
            [py, str(engine_bench.ENGINE_STREAM), "decrypt", str(out / f"vaultui-{tag}.c9r"),
             str(out / f"vaultui-{tag}.dec"), "--key-file", str(key)], bare_dec,
            check=(plain, out / f"vaultui-{tag}.dec")),
        Row("bare AES-GCM stream, 32 KiB (the pair's B)", "encrypt", bare_enc, bare_enc),
        Row("cp (disk floor)", "copy", ["cp", str(plain), str(out / f"cp-{tag}.bin")], bare_enc),
    ]
    if ensure_tool("age"):
        age_key, recipient = age_keys(data)
        rows += [
            Row("age", "encrypt", ["age", "-r", recipient, "-o", str(out / f"age-{tag}.age"),
                                   str(plain)], bare_enc),
            Row("age", "decrypt", ["age", "-d", "-i", str(age_key), "-o",
                                   str(out / f"age-{tag}.dec"), str(out / f"age-{tag}.age")],
                bare_dec, check=(plain, out / f"age-{tag}.dec")),
        ]
    else:
        rows.append(Row("age", "encrypt", None, bare_enc, note="age not installed"))
    if ensure_tool("rclone"):
        rclone = ["rclone", "--config", str(rclone_config(data))]
        rows += [
            Row("rclone crypt", "encrypt", [*rclone, "copyto", "-I", str(plain),
                                            f"vault:plain-{tag}.bin"], bare_enc),
            Row("rclone crypt", "decrypt", [*rclone, "copyto", "-I", f"vault:plain-{tag}.bin",
                                            str(out / f"rclone-{tag}.dec")], bare_dec,
                check=(plain, out / f"rclone-{tag}.dec")),
        ]
    else:
        rows.append(Row("rclone crypt", "encrypt", None, bare_enc, note="rclone not installed"))
    fsenc_ok = args.fsenc_python and subprocess.run(
        [args.fsenc_python, "-c", "import fsspec_encrypted"], capture_output=True,
        check=False).returncode == 0
    if fsenc_ok:
        rows += [
            Row("fsspec-encrypted", "encrypt",
                [args.fsenc_python, str(FSENC_BENCH), "encrypt", str(plain),
                 str(out / f"fsenc-{tag}.enc"), "--key-file", str(key)], bare_enc),
            Row("fsspec-encrypted", "decrypt",
                [args.fsenc_python, str(FSENC_BENCH), "decrypt", str(out / f"fsenc-{tag}.enc"),
                 str(out / f"fsenc-{tag}.dec"), "--key-file", str(key)], bare_dec,
                check=(plain, out / f"fsenc-{tag}.dec")),
        ]
    else:
        rows.append(Row("fsspec-encrypted", "encrypt", None, bare_enc,
                        note="no --fsenc-python with fsspec-encrypted"))
    return rows


def table(rows: list[Row], size: int, runs: int, openssl: str, python: str) -> str:
    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"# vaultui engine vs reference tools, {engine_bench.size_label(size)} "
        f"({now:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {engine_bench.machine_line()}; Python {platform.python_version()} "
        f"({python}); vaultui at {engine_bench.revision()}.",
        f"Whole process, disk to disk, page cache warm; median of {runs} runs after 1 "
        "warm-up, each tool in turn with the bare AES-GCM stream (B); ratio = bare wall / "
        "tool wall, pair by pair (above 1: faster than the bare Python stream). "
        f"openssl speed AES-256-GCM, 16 KiB blocks, 1 thread: {openssl} (the cipher's floor).",
        "",
        "| tool | op | MB/s | wall s | vs bare stream | peak RSS MiB | round trip |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        rows_ = row.report.rows if row.report else {}
        if row.cmd is None or "A wall s" not in rows_:
            lines.append(f"| {row.tool} | {row.op} | — | — | — | — | {row.note or 'failed'} |")
            continue
        wall = rows_["A wall s"].median
        ratio = 1 / rows_["A/B wall"].median if "A/B wall" in rows_ else float("nan")
        lines.append(
            f"| {row.tool} | {row.op} | {engine_bench.fmt(engine_bench.throughput(size, wall))}"
            f" | {engine_bench.fmt(wall)} | {ratio:.2f} | "
            f"{engine_bench.fmt(rows_['A peak MiB'].median)} | "
            f"{row.round_trip}{' — ' + row.note if row.note else ''} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=engine_bench.parse_size, default=1 << 30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with vaultui installed (default: this one)")
    parser.add_argument("--fsenc-python", default=os.environ.get("BENCH_VENV", "/tmp/benchvenv")
                        + "/bin/python", help="interpreter with fsspec-encrypted installed")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    data = args.data
    (data / "out").mkdir(parents=True, exist_ok=True)
    key = data / engine_bench.KEY_NAME
    if not key.exists():
        key.write_bytes(os.urandom(64))
    tag = engine_bench.size_tag(args.size)
    plain = data / f"plain-{tag}.bin"
    engine_bench.make_random_file(plain, args.size)
    timeout = max(300.0, (args.runs + 1) * 2 * args.size / 10e6)

    rows = rows_for(args, data, plain, tag)
    for row in rows:
        if row.cmd is None:
            continue
        print(f"== {row.tool} {row.op}", flush=True)
        subprocess.run(["sync"], check=False)
        row.report = engine_bench.procbench(args.python, args.runs, 1, timeout, row.cmd,
                                            row.bare)
        if not row.report.ok(args.runs):
            row.note = f"failed: {engine_bench.explain_failure(row.cmd)[-300:]}"
        if row.check:
            row.round_trip = engine_bench.verify(*row.check)
    openssl = openssl_gcm_mb_s()
    engine_bench.publish(table(rows, args.size, args.runs, openssl, args.python), args.out,
                         "references-{date}.md")
    for path in (data / "out").glob(f"*-{tag}.*"):
        path.unlink()
    shutil.rmtree(data / "rclone-vault", ignore_errors=True)
    return 0 if all(r.round_trip in ("", "ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
