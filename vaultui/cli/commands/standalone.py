"""fsspec-encrypted style commands without a vault: gen-key, encrypt, decrypt."""

from __future__ import annotations

import argparse
import os
import sys

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, scrypt_cost
from vaultui.crypto.constants import DEFAULT_DERIVE_COST
from vaultui.crypto.errors import FormatError

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context
    from vaultui.cli.parser import Arguments
    from vaultui.crypto.keys import Masterkey

# The commands import the crypto, the storage and the jobs when they run (see main.py).

KEY_ENV = "VAULTUI_KEY"


def cmd_gen_key(ctx: Context) -> int:
    from vaultui.crypto.keygen import derive_key, key_to_text, key_to_words, new_salt, random_key

    facts: dict[str, Any] = {}
    if ctx.args.passphrase:
        passphrase = ctx.sources().new(file=ctx.args.passphrase_file, prompt="Passphrase: ")
        salt = ctx.args.salt
        if not salt:
            salt = new_salt()
            ctx.note("a random salt was made; keep it: the same passphrase and salt give "
                     "the same key")
        key = derive_key(passphrase, salt, ctx.args.scrypt_cost)
        facts.update(salt=salt, scrypt_cost=ctx.args.scrypt_cost)
    else:
        if ctx.args.salt:
            raise CliError("--salt needs --passphrase", ExitCode.USAGE)
        key = random_key()
    facts = {"key": key_to_text(key), "words": key_to_words(key), **facts}
    fmt = ctx.args.format
    if fmt == "json":
        import json

        ctx.out(json.dumps(facts, indent=2))
    elif fmt in ("base64", "words"):
        ctx.out(facts["key" if fmt == "base64" else "words"])
    else:
        for name, value in facts.items():
            ctx.out(f"{name.replace('_', '-')}: {value}")
    return ExitCode.OK


def load_key(ctx: Context) -> Masterkey:
    from vaultui.cli.passphrase import read_secret_file
    from vaultui.crypto.keygen import key_from_text

    if ctx.args.key and ctx.args.key_file:
        raise CliError("give --key or --key-file, not both", ExitCode.USAGE)
    if ctx.args.key_file:
        text = read_secret_file(ctx.args.key_file, "key")
    elif ctx.args.key:
        text = ctx.args.key
    elif os.environ.get(KEY_ENV):
        text = os.environ[KEY_ENV]
    else:
        raise CliError(f"no key: give --key, --key-file or ${KEY_ENV} (make one with "
                       "`vaultui-cli gen-key`)", ExitCode.USAGE)
    try:
        return key_from_text(text)
    except FormatError as exc:
        raise CliError(f"not a key: {exc}", ExitCode.USAGE) from None


def cmd_encrypt(ctx: Context) -> int:
    from vaultui.cli.progressbar import ProgressBar
    from vaultui.fs.storage import open_location
    from vaultui.tasks.streams import EncryptStream

    key = load_key(ctx)
    fs, path = open_location(ctx.args.file, ctx.storage_options())
    bar = ProgressBar(ctx.stderr)
    try:
        EncryptStream(sys.stdin.buffer, fs, path, key, progress=bar).run()
    finally:
        bar.close()
    return ExitCode.OK


def cmd_decrypt(ctx: Context) -> int:
    from vaultui.fs.storage import open_location
    from vaultui.tasks.streams import DecryptStream

    key = load_key(ctx)
    fs, path = open_location(ctx.args.file, ctx.storage_options())
    out = sys.stdout.buffer
    DecryptStream(fs, path, out, key).run()
    out.flush()
    return ExitCode.OK


def _key_arguments(p: Arguments) -> None:
    p.add_argument("--key", metavar="KEY",
                   help="the key: base64url or 44 words (visible to other local users in the "
                        "process list; prefer --key-file or $VAULTUI_KEY)")
    p.add_argument("--key-file", metavar="FILE", help="read the key from FILE")
    p.add_argument("--file", required=True, metavar="URL",
                   help="the encrypted file: a path or any fsspec URL")


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    p = add_command(
        sub, "gen-key", cmd_gen_key, "make a key for encrypt/decrypt",
        "Print a new 64-byte key as base64url and as 44 recovery words. With --passphrase "
        "the key is derived with scrypt from a passphrase (asked twice, or "
        "--passphrase-file / $VAULTUI_PASSPHRASE) and a salt: the same passphrase and salt "
        "always give the same key. Without --salt a random salt is made and printed.",
        ["vaultui-cli gen-key",
         "vaultui-cli gen-key --format base64 > my.key",
         "vaultui-cli gen-key --passphrase --salt 'my project 2026'"],
        [])
    p.add_argument("--passphrase", action="store_true",
                   help="derive the key from a passphrase instead of making a random one")
    p.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE")
    p.add_argument("--salt", metavar="TEXT", help="the salt (any text; default: a new random one)")
    p.add_argument("--scrypt-cost", type=scrypt_cost, default=DEFAULT_DERIVE_COST, metavar="N",
                   help=f"scrypt N, a power of two (default {DEFAULT_DERIVE_COST}: 128 MiB)")
    p.add_argument("--format", choices=["text", "base64", "words", "json"], default="text",
                   help="what to print (default: labelled lines)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of an error")

    p = add_command(
        sub, "encrypt", cmd_encrypt, "encrypt standard input into one file under a key",
        "Read standard input to its end and write it, encrypted and authenticated under KEY, "
        "to URL (any fsspec URL). The format is one Cryptomator SIV_GCM file: a 68-byte "
        "header, then 32 KiB chunks each with its nonce and tag. Memory stays flat for any "
        "size; the file appears only when complete.",
        ["vaultui-cli gen-key --format base64 > k && tar c docs | "
         "vaultui-cli encrypt --key-file k --file s3://bucket/docs.tar.enc"],
        [storage])
    _key_arguments(p)

    p = add_command(
        sub, "decrypt", cmd_decrypt, "decrypt one file made by `encrypt` to standard output",
        "Read URL, authenticate and decrypt it chunk by chunk to standard output. If a chunk "
        "fails, the exit code is 6 and what was written so far must not be trusted.",
        ["vaultui-cli decrypt --key-file k --file s3://bucket/docs.tar.enc | tar x"],
        [storage])
    _key_arguments(p)
