"""Commands that look at a vault's storage: verify, clean, decrypt-name, encrypt-name."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from vaultui.cli.commands.files import stat, vault_path
from vaultui.cli.context import Context
from vaultui.cli.errors import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_jobs_argument, add_vault_argument
from vaultui.cli.progressbar import ProgressBar, human_size
from vaultui.cli.termsafe import safe_message, safe_name
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.storage import join
from vaultui.tasks.clean import DEFAULT_AGE, CleanVault, Leftover, parse_age
from vaultui.tasks.verify import VerifyVault


def cmd_verify(ctx: Context) -> int:
    # Read-only: a listing that resolved sync conflicts would rename or delete nodes.
    vfs = ctx.open_vault(resolve_conflicts=False)
    path = vault_path(ctx.args.path)
    stat(vfs, path)
    bar = ProgressBar(ctx.stderr)
    job = VerifyVault(vfs, path, progress=bar, workers=ctx.args.jobs)
    try:
        result = job.run()
    finally:
        bar.close()
    for problem in result.problems:
        ctx.out(f"BAD  {safe_name(problem.path)}: {safe_message(problem.reason)}")
    for note in result.notes:
        ctx.out(f"NOTE {safe_name(note.path)}: {safe_message(note.reason)}")
    _report_leftovers(ctx, result.leftovers)
    summary = f"{result.files} files, {human_size(result.bytes)} authenticated"
    if result.notes:
        summary += f"; {len(result.notes)} note{'s' if len(result.notes) != 1 else ''}"
    if result.ok:
        ctx.out(f"OK   {summary}")
        return ExitCode.OK
    ctx.out(f"FAIL {summary}; {len(result.problems)} damaged")
    return ExitCode.CORRUPT


def _report_leftovers(ctx: Context, leftovers: list[Leftover]) -> None:
    """Leftovers do not make a vault bad: they are listed, with how to remove them."""
    now = datetime.now(UTC)
    for item in leftovers:
        ctx.out(f"LEFT {safe_message(item.describe(now))}")
    if leftovers:
        ctx.note(f"{len(leftovers)} leftovers of interrupted writes; remove them with "
                 f"`vaultui-cli clean {ctx.args.vault}`")


def _age(text: str) -> timedelta:
    try:
        return parse_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_clean(ctx: Context) -> int:
    job = CleanVault(ctx.location(), ctx.args.older_than)
    leftovers = job.prepare()
    now = datetime.now(UTC)
    if ctx.args.dry_run:
        for item in leftovers:
            ctx.out(f"would remove  {safe_message(item.describe(now))}")
        ctx.out(f"{len(leftovers)} leftovers of interrupted writes (dry run: nothing removed)")
        return ExitCode.OK
    result = job.run(leftovers)
    for item in result.removed:
        ctx.out(f"removed  {safe_message(item.describe(now))}")
    for item, reason in result.failed:
        ctx.out(f"FAILED   {safe_message(item.describe(now))}: {safe_message(reason)}")
    ctx.out(f"{len(result.removed)} leftovers of interrupted writes removed"
            + (f", {len(result.failed)} could not be" if result.failed else ""))
    return ExitCode.STORAGE if result.failed else ExitCode.OK


def _relative(vfs: VaultFileSystem, storage_path: str) -> str:
    root = vfs.location.root
    return storage_path[len(root) + 1:] if root and storage_path.startswith(root + "/") \
        else storage_path


def _storage_path(vfs: VaultFileSystem, text: str) -> str:
    """A ciphertext path as given (URL, storage path, or relative to the vault) → storage path."""
    stripped = str(vfs.storage._strip_protocol(text)).rstrip("/")
    root = vfs.location.root
    if root and (stripped == root or stripped.startswith(root + "/")):
        return stripped
    return join(root, text.strip("/"))


def cmd_decrypt_name(ctx: Context) -> int:
    vfs = ctx.open_vault()
    for text in ctx.args.ciphertext:
        try:
            clear = vfs.cleartext_path(_storage_path(vfs, text))
        except FileNotFoundError:
            raise CliError(f"{text} is not an item of this vault", ExitCode.NOT_FOUND) from None
        ctx.out(f"{safe_name(text)}\t{safe_name(clear) or '/'}")
    return ExitCode.OK


def cmd_encrypt_name(ctx: Context) -> int:
    vfs = ctx.open_vault()
    for raw in ctx.args.paths:
        path = vault_path(raw)
        stat(vfs, path)
        for storage_path in vfs.ciphertext_paths(path):
            ctx.out(f"{safe_name(path) or '/'}\t{_relative(vfs, storage_path)}")
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    parents = [storage, unlock]
    p = add_command(
        sub, "verify", cmd_verify, "authenticate every file; report the damaged ones",
        "Decrypt every chunk of every file under PATH (default: the whole vault) and check "
        "its authentication tag, without writing anything. Each damaged file or folder is "
        "reported on stdout as `BAD  path: reason`, and the walk goes on; the exit code is "
        "6 if any is found. `NOTE path: reason` lines report what is not damage: "
        "sync-conflict copies, names `get` cannot export, interrupted writes.",
        ["vaultui-cli verify ~/vault", "vaultui-cli verify -j 8 s3://bucket/vault photos"],
        parents)
    add_vault_argument(p)
    p.add_argument("path", nargs="?", default="", metavar="PATH")
    add_jobs_argument(p)

    p = add_command(
        sub, "clean", cmd_clean, "remove what interrupted writes left behind",
        "Find hidden temporary files (.NAME.HEX.part) and, on S3, incomplete multipart "
        "uploads under VAULT that are older than --older-than, and remove them. Younger "
        "ones may belong to a write still under way and are left alone. Needs no "
        "passphrase: leftovers are found by name, never decrypted.",
        ["vaultui-cli clean ~/vault --dry-run",
         "vaultui-cli clean s3://bucket/vault --older-than 6h"],
        [storage])
    add_vault_argument(p)
    p.add_argument("--older-than", type=_age, default=DEFAULT_AGE, metavar="AGE",
                   help="only what was last written longer ago than AGE: 30m, 12h, 1d, 2w "
                        "or seconds (default 1d)")
    p.add_argument("--dry-run", action="store_true",
                   help="list what would be removed, remove nothing")

    p = add_command(
        sub, "decrypt-name", cmd_decrypt_name, "which cleartext path a storage object holds",
        "For each CIPHERTEXT path (relative to the vault, a storage path or a URL, e.g. "
        "d/AB/CDEF…/xyz.c9r), print it and the cleartext path it belongs to, tab-separated. "
        "Like rclone's cryptdecode; it walks the vault, so it takes a moment on big vaults.",
        ["vaultui-cli decrypt-name ~/vault d/QR/STUV…/8h4M9oYiI60IwZ7lbzMwCuyI.c9r"], parents)
    add_vault_argument(p)
    p.add_argument("ciphertext", nargs="+", metavar="CIPHERTEXT")

    p = add_command(
        sub, "encrypt-name", cmd_encrypt_name, "which storage objects hold a cleartext path",
        "For each PATH, print it and its storage objects (relative to the vault), "
        "tab-separated: a file's encrypted node, or a folder's node and its content folder. "
        "Use it to find a file's versions in your storage's history.",
        ["vaultui-cli encrypt-name ~/vault docs/report.pdf"], parents)
    add_vault_argument(p)
    p.add_argument("paths", nargs="+", metavar="PATH")
