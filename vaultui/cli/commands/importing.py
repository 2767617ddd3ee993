"""The import command: files written by fsspec-encrypted, into a vault."""

from __future__ import annotations

import argparse
import os

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_jobs_argument, add_vault_argument
from vaultui.crypto.errors import FormatError

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context

# The command imports the crypto, the storage and the job when it runs (see main.py).

KEY_ENV = "VAULTUI_IMPORT_KEY"


def _parse_key(text: str) -> bytes:
    from vaultui.crypto.legacy import legacy_key

    try:
        return legacy_key(text)
    except FormatError as exc:
        raise CliError(f"not a key: {exc}", ExitCode.USAGE) from None


def hex_salt(text: str) -> str:
    """--key-salt as given, once it is known to be hex: checked before any prompt."""
    try:
        salt = bytes.fromhex(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("not hex") from None
    if not salt:
        raise argparse.ArgumentTypeError("empty")
    return text


def _key(ctx: Context) -> bytes:
    from vaultui.cli.passphrase import prompt_secret, read_secret_file
    from vaultui.crypto.legacy import legacy_key_from_passphrase

    if ctx.args.key_salt:
        if ctx.args.key_passphrase_file:
            passphrase = read_secret_file(ctx.args.key_passphrase_file, "passphrase")
        else:
            passphrase = prompt_secret("fsspec-encrypted passphrase: ",
                                       "fsspec-encrypted passphrase (use "
                                       "--key-passphrase-file)")
        return legacy_key_from_passphrase(passphrase, ctx.args.key_salt)
    if ctx.args.key_file:
        return _parse_key(read_secret_file(ctx.args.key_file, "key"))
    if ctx.args.key:
        return _parse_key(ctx.args.key)
    if os.environ.get(KEY_ENV):
        return _parse_key(os.environ[KEY_ENV])
    raise CliError(f"no key: give --key, --key-file or ${KEY_ENV} (the key fsspec-encrypted "
                   "used, in base64)", ExitCode.USAGE)


def _import_s3ec(ctx: Context) -> int:
    from vaultui.cli.interrupt import cancel_on_interrupt
    from vaultui.cli.progressbar import ProgressBar, human_size
    from vaultui.fs.storage import open_location
    from vaultui.tasks.s3ec_import import ImportS3Encrypted

    source_fs, source = open_location(ctx.args.source, ctx.storage_options("source_"))
    vfs = ctx.open_vault()
    bar = ProgressBar(ctx.stderr)
    job = ImportS3Encrypted(source_fs, source, vfs, ctx.args.dest, progress=bar,
                            workers=ctx.args.jobs)
    try:
        with cancel_on_interrupt(job):
            result = job.run()
    finally:
        bar.close()
    ctx.note(f"imported {result.files} objects of the S3 Encryption Client "
             f"({human_size(result.bytes)} read)")
    return ExitCode.OK


def cmd_import(ctx: Context) -> int:
    if ctx.args.s3_encryption_client:
        return _import_s3ec(ctx)
    from vaultui.cli.interrupt import cancel_on_interrupt
    from vaultui.cli.progressbar import ProgressBar, human_size
    from vaultui.crypto.legacy import LegacyFormat
    from vaultui.fs.storage import open_location
    from vaultui.tasks.importer import ImportLegacy

    key = _key(ctx)
    source_fs, source = open_location(ctx.args.source, ctx.storage_options("source_"))
    vfs = ctx.open_vault()
    fmt = None if ctx.args.format == "auto" else LegacyFormat(ctx.args.format)
    bar = ProgressBar(ctx.stderr)
    job = ImportLegacy(source_fs, source, key, vfs, ctx.args.dest, fmt, progress=bar,
                       workers=ctx.args.jobs)
    try:
        with cancel_on_interrupt(job):
            result = job.run()
    finally:
        bar.close()
    counts = ", ".join(f"{n} {f.value}" for f, n in sorted(result.formats.items()))
    ctx.note(f"imported {result.files} files ({human_size(result.bytes)} read; {counts or '-'})")
    if result.unauthenticated:
        ctx.note(f"warning: {result.unauthenticated} file(s) were in fsspec-encrypted's "
                 "AES-CBC format, which has no authentication: anyone who could write to "
                 "the old storage could have altered them without detection. Check their "
                 "contents; inside the vault they are authenticated from now on.")
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    p = add_command(
        sub, "import", cmd_import, "import files written by fsspec-encrypted",
        "Decrypt every file under SOURCE (a file or folder at any fsspec URL) written by "
        "fsspec-encrypted and store it in the vault under DEST (default: the root), keeping "
        "relative paths. Both generations are read: Fernet tokens (0.4 and earlier, appended "
        "tokens included) and AES-256-CBC (later versions). KEY is the key fsspec-encrypted "
        "was given, in base64. CBC files were never authenticated: the command says how "
        "many there were. With --s3-encryption-client, SOURCE is an S3 prefix written by "
        "AWS's S3 Encryption Client instead.",
        ["vaultui-cli import s3://b/vault s3://old-bucket/cse --s3-encryption-client",
         "vaultui-cli import ~/vault /data/old-encrypted imported --key-file fsenc.key",
         "vaultui-cli import ~/vault s3://old-bucket/enc --key-file fsenc.key "
         "--source-option anon=false -j 8"],
        [storage, unlock])
    add_vault_argument(p)
    p.add_argument("source", metavar="SOURCE", help="fsspec-encrypted file or folder (URL)")
    p.add_argument("dest", nargs="?", default="", metavar="DEST",
                   help="folder in the vault (default: the root)")
    p.add_argument("--key", metavar="KEY", help="fsspec-encrypted's key in base64 (prefer "
                                                "--key-file or $VAULTUI_IMPORT_KEY)")
    p.add_argument("--key-file", metavar="FILE", help="read the key from FILE")
    p.add_argument("--key-salt", type=hex_salt, metavar="HEX",
                   help="derive the key as `fs-enc gen-key --passphrase P --salt HEX` did "
                        "(PBKDF2-HMAC-SHA256, 100000 rounds); the passphrase is asked, or "
                        "read from --key-passphrase-file")
    p.add_argument("--key-passphrase-file", metavar="FILE",
                   help="fsspec-encrypted's passphrase, for --key-salt")
    p.add_argument("--s3-encryption-client", action="store_true",
                   help="SOURCE holds objects of AWS's S3 Encryption Client (v2: AES-GCM, "
                        "data keys wrapped by KMS with kms+context, envelope in metadata or "
                        ".instruction files); each data key is unwrapped through AWS KMS "
                        "with the current AWS credentials. No --key needed")
    p.add_argument("--format", choices=["auto", "fernet", "cbc"], default="auto",
                   help="the files' generation (default: detected per file)")
    p.add_argument("--source-option", dest="source_storage_option", action="append",
                   default=[], metavar="KEY=VALUE",
                   help="a storage option for SOURCE (repeatable, JSON values)")
    p.add_argument("--source-options-file", dest="source_storage_options_file",
                   metavar="JSON", help="a JSON file of storage options for SOURCE")
    add_jobs_argument(p)
