"""Commands on the files of an unlocked vault: ls, tree, cat, put, get, rm, mv, mkdir."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from vaultui.cli.context import Context
from vaultui.cli.errors import CliError, UsageError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.interrupt import cancel_on_interrupt
from vaultui.cli.parser import add_command, add_jobs_argument, add_vault_argument
from vaultui.cli.progressbar import ProgressBar, human_size
from vaultui.cli.termsafe import safe_name
from vaultui.crypto.errors import VaultError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path, split_path
from vaultui.fs.visits import FolderVisits
from vaultui.tasks.job import BLOCK_SIZE
from vaultui.tasks.transfer import DecryptTree, EncryptTree


def _mtime(info: dict[str, Any]) -> datetime | None:
    for key in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value, UTC)
    return None


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def vault_path(text: str) -> str:
    """A path inside the vault as typed; `..` and `.` are usage errors (exit 2)."""
    try:
        return norm_path(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def stat(vfs: VaultFileSystem, path: str) -> dict[str, Any]:
    """The entry's info, or "not found" naming the path the user gave."""
    try:
        info: dict[str, Any] = vfs.info(path)
    except (FileNotFoundError, NotADirectoryError):
        raise CliError(f"not found in the vault: {path or '/'}", ExitCode.NOT_FOUND) from None
    return info


def cmd_ls(ctx: Context) -> int:
    vfs = ctx.open_vault()
    path = vault_path(ctx.args.path)
    stat(vfs, path)
    entries = vfs.ls(path, detail=True)
    if ctx.args.json:
        rows = []
        for e in entries:
            when = _mtime(e)
            rows.append({"name": _basename(e["name"]), "path": e["name"], "type": e["type"],
                         "size": e["size"], "modified": when.isoformat() if when else None})
        ctx.out(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.OK
    for e in entries:
        name = safe_name(_basename(e["name"])) + ("/" if e["type"] == "directory" else "")
        if ctx.args.long:
            kind = {"directory": "d", "file": "-"}.get(e["type"], "l")
            size = "-" if e["type"] == "directory" else str(e["size"])
            when = _mtime(e)
            stamp = when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "-" * 16
            flag = "  (damaged)" if e.get("damaged") else ""
            ctx.out(f"{kind} {size:>12}  {stamp}  {name}{flag}")
        else:
            ctx.out(name)
    return ExitCode.OK


def cmd_tree(ctx: Context) -> int:
    vfs = ctx.open_vault()
    top = vault_path(ctx.args.path)
    stat(vfs, top)
    counts = {"dirs": 0, "files": 0}
    ctx.out(safe_name(top) or "/")

    # Each folder is shown once: a second name for it (one directory id) says so.
    visits = FolderVisits(vfs.mapper, top)

    # An explicit stack, not recursion: a crafted vault can nest folders deeper than
    # Python's recursion limit.
    stack: list[tuple[Iterator[tuple[int, dict[str, Any]]], int, str]] = []

    def enter(path: str, prefix: str) -> None:
        entries = vfs.ls(path, detail=True)
        stack.append((iter(enumerate(entries)), len(entries), prefix))

    enter(top, "")
    while stack:
        entries, count, prefix = stack[-1]
        step = next(entries, None)
        if step is None:
            stack.pop()
            continue
        i, e = step
        last = i == count - 1
        is_dir = e["type"] == "directory"
        alias = visits.alias_of(e["name"], e) if is_dir else None
        note = "" if alias is None else (
            f"  (another name for {safe_name(alias) or '/'}, shown there)")
        ctx.out(f"{prefix}{'└── ' if last else '├── '}{safe_name(_basename(e['name']))}"
                f"{'/' if is_dir else ''}{note}")
        if is_dir:
            counts["dirs"] += 1
            if alias is None:
                enter(e["name"], prefix + ("    " if last else "│   "))
        else:
            counts["files"] += 1

    ctx.out(f"\n{counts['dirs']} folders, {counts['files']} files")
    return ExitCode.OK


def cmd_cat(ctx: Context) -> int:
    vfs = ctx.open_vault()
    out = sys.stdout.buffer
    for raw in ctx.args.paths:
        path = vault_path(raw)
        if stat(vfs, path)["type"] == "directory":
            raise CliError(f"{path or '/'} is a folder")
        with vfs.open(path, "rb") as f:
            while block := f.read(BLOCK_SIZE):
                out.write(block)
    out.flush()
    return ExitCode.OK


def _summary(ctx: Context, bar: ProgressBar, verb: str, files: int, size: int) -> None:
    if bar.enabled:
        ctx.note(f"{verb} {files} file{'s' if files != 1 else ''}, {human_size(size)}")


def cmd_put(ctx: Context) -> int:
    dest = vault_path(ctx.args.dest)
    vfs = ctx.open_vault()
    bar = ProgressBar(ctx.stderr)
    job = EncryptTree(vfs, ctx.args.sources, dest, progress=bar, workers=ctx.args.jobs)
    try:
        with cancel_on_interrupt(job):
            result = job.run()
    finally:
        bar.close()
    _summary(ctx, bar, "encrypted", result.files, result.bytes)
    return ExitCode.OK


def cmd_get(ctx: Context) -> int:
    vfs = ctx.open_vault()
    for source in ctx.args.sources:
        with contextlib.suppress(VaultError):  # damaged: the job reports it with the rest
            stat(vfs, vault_path(source))
    bar = ProgressBar(ctx.stderr)
    job = DecryptTree(vfs, ctx.args.sources, ctx.args.dest, progress=bar,
                      workers=ctx.args.jobs)
    try:
        with cancel_on_interrupt(job):
            result = job.run()
    finally:
        bar.close()
    for renamed in result.renamed:
        ctx.note(f"copied {renamed.path} as {renamed.local}: {renamed.reason}")
    for failure in result.failures:
        ctx.note(f"not copied: {failure.path or '/'}: {failure.reason}")
    _summary(ctx, bar, "decrypted", result.files, result.bytes)
    if result.failures:
        count = len(result.failures)
        raise CliError(f"{count} item{'s' if count != 1 else ''} could not be copied "
                       "(listed above); everything else was", ExitCode.CORRUPT)
    return ExitCode.OK


def cmd_rm(ctx: Context) -> int:
    vfs = ctx.open_vault()
    for raw in ctx.args.paths:
        path = vault_path(raw)
        if not path:
            raise UsageError("refusing to remove the vault's root folder")
        info = stat(vfs, path)
        if info["type"] == "directory" and not ctx.args.recursive:
            raise CliError(f"{path} is a folder (use -r to remove it and its contents)")
        vfs.rm(path, recursive=ctx.args.recursive)
    return ExitCode.OK


def cmd_mv(ctx: Context) -> int:
    vfs = ctx.open_vault()
    src, dst = vault_path(ctx.args.source), vault_path(ctx.args.dest)
    stat(vfs, src)
    vfs.mv(src, dst)
    return ExitCode.OK


def _exists(vfs: VaultFileSystem, path: str) -> bool:
    try:
        vfs.info(path)
    except FileNotFoundError:
        return False
    return True


def cmd_mkdir(ctx: Context) -> int:
    vfs = ctx.open_vault()
    for raw in ctx.args.paths:
        path = vault_path(raw)
        if ctx.args.parents:
            vfs.makedirs(path, exist_ok=True)
            continue
        if _exists(vfs, path):
            raise FileExistsError(path)
        parent = "/".join(split_path(path)[:-1])
        if parent and not vfs.isdir(parent):
            raise FileNotFoundError(f"{parent} (use -p to create parent folders)")
        vfs.mkdir(path, create_parents=False)
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    parents = [storage, unlock]
    p = add_command(sub, "ls", cmd_ls, "list a folder of the vault",
                    "List the files and folders in PATH (default: the vault's root).",
                    ["vaultui-cli ls ~/vault", "vaultui-cli ls -l s3://bucket/vault docs",
                     "vaultui-cli ls --json ~/vault docs | jq '.[].name'"], parents)
    add_vault_argument(p)
    p.add_argument("path", nargs="?", default="", metavar="PATH")
    p.add_argument("-l", "--long", action="store_true", help="type, size, modification time")
    p.add_argument("--json", action="store_true", help="a JSON array of entries")

    p = add_command(sub, "tree", cmd_tree, "show a folder and everything under it",
                    "Print the folder tree under PATH (default: the root).",
                    ["vaultui-cli tree ~/vault", "vaultui-cli tree ~/vault docs"], parents)
    add_vault_argument(p)
    p.add_argument("path", nargs="?", default="", metavar="PATH")

    p = add_command(sub, "cat", cmd_cat, "write files' cleartext to standard output",
                    "Decrypt each PATH and write it to standard output. Every chunk is "
                    "authenticated before it is written.",
                    ["vaultui-cli cat ~/vault notes/todo.txt",
                     "vaultui-cli cat s3://bucket/vault db.sqlite > db.sqlite"], parents)
    add_vault_argument(p)
    p.add_argument("paths", nargs="+", metavar="PATH")

    p = add_command(sub, "put", cmd_put, "encrypt local files and folders into the vault",
                    "Copy each LOCAL file or folder (recursively) into the vault folder DEST, "
                    "which is created if needed. A file appears in the vault only when it is "
                    "complete. A progress bar is drawn on stderr when it is a terminal.",
                    ["vaultui-cli put ~/vault report.pdf photos/ backup",
                     "vaultui-cli put -j 8 s3://bucket/vault ~/Documents /"], parents)
    add_vault_argument(p)
    p.add_argument("sources", nargs="+", metavar="LOCAL")
    p.add_argument("dest", metavar="DEST", help="folder in the vault ('/' for the root)")
    add_jobs_argument(p)

    p = add_command(sub, "get", cmd_get, "decrypt vault files and folders to local ones",
                    "Copy vault files and folders (recursively; '/' is the whole vault) as "
                    "cp -r does: into DEST when DEST is a folder, ends in '/', or there are "
                    "several SRC (created if needed); otherwise DEST becomes the copy of SRC. "
                    "A file appears under its name only when it is complete and "
                    "authenticated. An entry that cannot be copied is reported and the "
                    "others still are (exit 6 at the end).",
                    ["vaultui-cli get ~/vault backup/report.pdf .",
                     "vaultui-cli get ~/vault docs restored-docs",
                     "vaultui-cli get -j 8 s3://bucket/vault / ~/restore"], parents)
    add_vault_argument(p)
    p.add_argument("sources", nargs="+", metavar="SRC")
    p.add_argument("dest", metavar="DEST")
    add_jobs_argument(p)

    p = add_command(sub, "rm", cmd_rm, "remove files or folders from the vault",
                    "Remove each PATH; folders need -r.",
                    ["vaultui-cli rm ~/vault old.txt", "vaultui-cli rm -r ~/vault old-folder"],
                    parents)
    add_vault_argument(p)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-r", "--recursive", action="store_true",
                   help="remove folders and everything in them")

    p = add_command(sub, "mv", cmd_mv, "move or rename a file or folder in the vault",
                    "Rename SRC to DEST; if DEST is a folder, SRC moves into it. Only names "
                    "are rewritten: no file content is copied.",
                    ["vaultui-cli mv ~/vault draft.txt final.txt",
                     "vaultui-cli mv ~/vault photos archive/"], parents)
    add_vault_argument(p)
    p.add_argument("source", metavar="SRC")
    p.add_argument("dest", metavar="DEST")

    p = add_command(sub, "mkdir", cmd_mkdir, "create folders in the vault",
                    "Create each folder PATH.",
                    ["vaultui-cli mkdir ~/vault docs", "vaultui-cli mkdir -p ~/vault a/b/c"],
                    parents)
    add_vault_argument(p)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-p", "--parents", action="store_true",
                   help="create parent folders as needed; no error if it exists")
