"""Commands that look at a vault's storage: verify, decrypt-name, encrypt-name."""

from __future__ import annotations

import argparse

from vaultui.cli.clierror import CliError
from vaultui.cli.commands.files import stat, vault_path
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_jobs_argument, add_vault_argument
from vaultui.cli.termsafe import safe_message, safe_name

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context
    from vaultui.fs.filesystem import VaultFileSystem


def cmd_verify(ctx: Context) -> int:
    from vaultui.cli.progressbar import ProgressBar, human_size
    from vaultui.tasks.verify import VerifyVault

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
    summary = f"{result.files} files, {human_size(result.bytes)} authenticated"
    if result.notes:
        summary += f"; {len(result.notes)} note{'s' if len(result.notes) != 1 else ''}"
    if result.ok:
        ctx.out(f"OK   {summary}")
        return ExitCode.OK
    ctx.out(f"FAIL {summary}; {len(result.problems)} damaged")
    return ExitCode.CORRUPT


def _relative(vfs: VaultFileSystem, storage_path: str) -> str:
    root = vfs.location.root
    return storage_path[len(root) + 1:] if root and storage_path.startswith(root + "/") \
        else storage_path


def _storage_path(vfs: VaultFileSystem, text: str) -> str:
    """A ciphertext path as given (URL, storage path, or relative to the vault) → storage path."""
    from vaultui.fs.storage import join

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
