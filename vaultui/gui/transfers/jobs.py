"""A transfer's work: vaultui.tasks' EncryptTree / DecryptTree as a worker job.

The jobs, keep-both naming and the rollback of what a failed transfer created are in
vaultui.tasks, shared with the CLI; here they only report progress to the worker context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.core.worker import JobContext
from vaultui.tasks import DecryptTree, EncryptTree, Progress, ProgressCallback
from vaultui.tasks.transfer import PartialTransferError


def progress_reporter(ctx: JobContext) -> ProgressCallback:
    """Hand a tasks Job's progress (bytes) to the worker context, which queues it."""
    def report(progress: Progress) -> None:
        ctx.progress(progress.bytes_done, progress.bytes_total)
    return report


def upload_job(fs: VaultFileSystem, local: str, folder: str,
               name: str | None = None) -> Callable[[JobContext], str]:
    """Encrypt a local file or folder (recursively) into vault `folder` as `name`."""
    def job(ctx: JobContext) -> str:
        tree = EncryptTree(fs, [local], folder, name=name, progress=progress_reporter(ctx),
                           cancel=ctx.cancelled)
        tree.run()
        return tree.targets[0]

    return job


def download_job(fs: VaultFileSystem, path: str, local: str) -> Callable[[JobContext], str]:
    """Decrypt vault file or folder `path` to local path `local` (recursively)."""
    def job(ctx: JobContext) -> str:
        tree = DecryptTree(fs, [path.strip("/")], local, exact=True,
                           progress=progress_reporter(ctx), cancel=ctx.cancelled)
        result = tree.run()
        if result.failures:
            # What could be copied stays; the transfer fails naming what could not.
            raise PartialTransferError(result)
        return local

    return job


def vault_locked() -> Callable[[JobContext], Any]:
    raise RuntimeError("the vault was locked")
