#!/usr/bin/env python3
"""Encrypt or decrypt one file through the vaultui engine, disk to disk (one measurement).

Usage: engine_stream.py {encrypt,decrypt,imports} [IN OUT] [--combo SIV_GCM|SIV_CTRMAC]
                        [--key-file KEY]

The counterpart of the shared bare stream (`../shared/bench/aead_stream.py`): one process
per run so that the timer sees this case's own peak RSS. The file goes through the public
streaming API, `encrypt_stream` / `decrypt_stream`, over plain file objects, as the app
does. `imports` loads the same modules and exits: it is the interpreter baseline that peak
RSS is measured against.

The 64-byte master key comes from a fixed file in the bench data dir (bench only: a real
vault's key comes from its masterkey file and a passphrase).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.content import content_cipher
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.stream import decrypt_stream, encrypt_stream

DEFAULT_DATA = Path(os.environ.get("VAULTUI_BENCH_DATA", "/tmp/vaultui-bench"))
KEY_NAME = "bench.key"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", choices=["encrypt", "decrypt", "imports"])
    parser.add_argument("src", type=Path, nargs="?")
    parser.add_argument("dst", type=Path, nargs="?")
    parser.add_argument("--combo", choices=[c.name for c in CipherCombo],
                        default=CipherCombo.SIV_GCM.name)
    parser.add_argument("--key-file", type=Path, default=DEFAULT_DATA / KEY_NAME,
                        help="64 raw key bytes (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.mode == "imports":
        return 0
    if args.src is None or args.dst is None:
        parser.error("encrypt and decrypt need IN and OUT")

    run(args.mode, args.src, args.dst, args.combo, args.key_file)
    return 0


def run(mode: str, src: Path, dst: Path, combo: str, key_file: Path) -> None:
    """The measured work: the key read, the cipher made, the file streamed through it."""
    cipher = content_cipher(CipherCombo[combo], Masterkey.from_raw(key_file.read_bytes()[:64]))
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        if mode == "encrypt":
            encrypt_stream(fin, fout, cipher)
        else:
            decrypt_stream(fin, fout, cipher, ciphertext_size=os.fstat(fin.fileno()).st_size)


if __name__ == "__main__":
    sys.exit(main())
