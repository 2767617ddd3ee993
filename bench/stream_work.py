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

`engine` goes through the public streaming API (`encrypt_stream` / `decrypt_stream`) as
`engine_stream.py` does; `bare` calls the shared bare stream's own `encrypt_file` /
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
SHARED = Path(os.environ.get("VAULTUI_SHARED_BENCH", HERE.parent.parent / "shared" / "bench"))
BARE_CHUNK = 32768


def engine_work(mode: str, src: Path, dst: Path, key_file: Path,
                combo: str) -> Callable[[], None]:
    from vaultui.crypto.combos import CipherCombo
    from vaultui.crypto.content import content_cipher
    from vaultui.crypto.keys import Masterkey
    from vaultui.crypto.stream import decrypt_stream, encrypt_stream

    def work() -> None:
        cipher = content_cipher(CipherCombo[combo], Masterkey.from_raw(key_file.read_bytes()[:64]))
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            if mode == "encrypt":
                encrypt_stream(fin, fout, cipher)
            else:
                decrypt_stream(fin, fout, cipher, ciphertext_size=os.fstat(fin.fileno()).st_size)

    return work


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
