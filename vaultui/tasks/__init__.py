"""Plain-Python jobs (encrypt in, decrypt out, verify, import) with progress and cancel.

Every job takes `progress` (a callback receiving Progress) and `cancel` (a threading.Event);
`prepare()` scans without writing, `run()` does the work and raises CancelledError after
cleaning up when cancelled. No Qt here: the GUI runs these on its own worker threads.

The names below load on first use (PEP 562), as in vaultui.crypto: importing one small
module of the package (progress, vaultid) does not load every job and the fsspec
filesystem behind them, which is most of `vaultui-cli --help`'s start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaultui.tasks.importer import ImportLegacy, ImportResult
    from vaultui.tasks.job import Job
    from vaultui.tasks.progress import Progress, ProgressCallback
    from vaultui.tasks.streams import DecryptStream, EncryptStream, KeyMismatchError
    from vaultui.tasks.transfer import (
        DecryptTree,
        EncryptTree,
        EntryFailure,
        PartialTransferError,
        TransferResult,
    )
    from vaultui.tasks.verify import Problem, VerifyResult, VerifyVault

#: The module each public name comes from.
_EXPORTS = {
    "DecryptStream": "streams",
    "DecryptTree": "transfer",
    "EncryptStream": "streams",
    "EncryptTree": "transfer",
    "EntryFailure": "transfer",
    "ImportLegacy": "importer",
    "ImportResult": "importer",
    "Job": "job",
    "KeyMismatchError": "streams",
    "PartialTransferError": "transfer",
    "Problem": "verify",
    "Progress": "progress",
    "ProgressCallback": "progress",
    "TransferResult": "transfer",
    "VerifyResult": "verify",
    "VerifyVault": "verify",
}

__all__ = [
    "DecryptStream",
    "DecryptTree",
    "EncryptStream",
    "EncryptTree",
    "EntryFailure",
    "ImportLegacy",
    "ImportResult",
    "Job",
    "KeyMismatchError",
    "PartialTransferError",
    "Problem",
    "Progress",
    "ProgressCallback",
    "TransferResult",
    "VerifyResult",
    "VerifyVault",
]


def __getattr__(name: str) -> Any:
    import importlib

    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
