"""Plain-Python jobs (encrypt in, decrypt out, verify, import) with progress and cancel.

Every job takes `progress` (a callback receiving Progress) and `cancel` (a threading.Event);
`prepare()` scans without writing, `run()` does the work and raises CancelledError after
cleaning up when cancelled. No Qt here: the GUI runs these on its own worker threads.
"""

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
