"""File operations in an unlocked vault (new folder, rename, delete) as worker jobs."""

from __future__ import annotations

from collections.abc import Callable

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.core.worker import JobContext

FileJob = Callable[[JobContext], None]


def free_name(name: str, existing: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`… whichever is not in `existing`."""
    candidate, n = name, 1
    while candidate in existing:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def new_folder_job(fs: VaultFileSystem, path: str) -> FileJob:
    def job(ctx: JobContext) -> None:
        fs.mkdir(path, create_parents=False)
    return job


def rename_job(fs: VaultFileSystem, path: str, target: str) -> FileJob:
    """Move `path` to `target`, refusing to replace what is there."""
    def job(ctx: JobContext) -> None:
        if fs.exists(target):
            raise FileExistsError(f"/{target} already exists")
        fs.mv(path, target)
    return job


def delete_job(fs: VaultFileSystem, paths: list[str]) -> FileJob:
    """Delete the items (folders with everything in them), stopping at a cancel."""
    def job(ctx: JobContext) -> None:
        for path in paths:
            ctx.check()
            fs.rm(path, recursive=True)
    return job
