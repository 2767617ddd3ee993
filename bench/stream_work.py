#!/usr/bin/env python3
"""Time one file's encryption or decryption inside a fresh process, imports excluded.

Usage: stream_work.py {engine,bare} {encrypt,decrypt} IN OUT --key-file KEY --seconds-to LOG
                      [--combo SIV_GCM|SIV_CTRMAC]

The throughput half of the engine benchmark. The whole-process runs (`engine_stream.py`
against the shared `aead_stream.py`) count the interpreter's start-up, which is nearly all
of a 1 MiB run; this runner loads its modules first and then times only the work, the same
way for both sides: from reading the key file to closing the output. Everything a first
call pays (OpenSSL's first cipher set-up, the first touch of buffers, cold caches) is
inside the timed span, since each run is a fresh process. The seconds are appended to LOG,
one line per run.

`engine` runs `engine_stream.py`'s own work (the public streaming API, `encrypt_stream` /
`decrypt_stream`); `bare` calls the shared bare stream's own `encrypt_file` /
`decrypt_file` with 32 KiB chunks (`../shared/bench/aead_stream.py`, loaded as a module).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SHARED = Path(os.environ.get("VAULTUI_SHARED_BENCH", HERE.parent.parent / "shared" / "bench"))
BARE_CHUNK = 32768


def engine_work(mode: str, src: Path, dst: Path, key_file: Path,
                combo: str) -> Callable[[], None]:
    import engine_stream  # the whole-process runner's own work, with its imports done here

    return lambda: engine_stream.run(mode, src, dst, combo, key_file)


def bare_work(mode: str, src: Path, dst: Path, key_file: Path) -> Callable[[], None]:
    spec = importlib.util.spec_from_file_location("aead_stream", SHARED / "aead_stream.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {SHARED / 'aead_stream.py'}")
    bare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bare)
    step = bare.encrypt_file if mode == "encrypt" else bare.decrypt_file

    def work() -> None:
        step(bare.AESGCM(key_file.read_bytes()[:32]), src, dst, BARE_CHUNK)

    return work


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("side", choices=["engine", "bare"])
    parser.add_argument("mode", choices=["encrypt", "decrypt"])
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--seconds-to", type=Path, required=True,
                        help="file the timed seconds are appended to")
    parser.add_argument("--combo", choices=["SIV_GCM", "SIV_CTRMAC"], default="SIV_GCM")
    args = parser.parse_args(argv)
    if args.side == "engine":
        work = engine_work(args.mode, args.src, args.dst, args.key_file, args.combo)
    else:
        work = bare_work(args.mode, args.src, args.dst, args.key_file)
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    with open(args.seconds_to, "a") as log:
        log.write(f"{seconds:.9f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
