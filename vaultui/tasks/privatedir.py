"""Private temp folders for decrypted copies, owned by a live process, found again after a crash.

Each folder is made by mkdtemp (mode 0700) as ``vaultui-open-*`` in the temp directory, and
holds an ``.owner`` file that its process keeps locked (flock) while it lives. The kernel
drops that lock when the process dies, however it dies (kill -9 included), so a later run
can tell the folders of a crashed run from those of a running instance, without trusting
a pid that may have been reused. Folders without an owner file (older versions, or one
being made this instant) are never judged.

Where flock does not exist (Windows) no folder is ever taken for dead: nothing is removed
that might belong to a running instance.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import IO

if sys.platform != "win32":
    import fcntl

PREFIX = "vaultui-open-"
OWNER_FILE = ".owner"


def _try_lock(handle: IO[bytes], wait: bool = False) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no flock: never taken for dead
        return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


class PrivateFolder:
    """A 0700 folder in the temp directory that this object owns until `release` or `remove`.

    Ownership is the lock on its owner file: while it is held, no other run removes or
    adopts the folder. Make one with `create`, or take over a dead run's with `dead_folders`.
    """

    def __init__(self, path: str, owner: IO[bytes]) -> None:
        self.path = path
        self._owner: IO[bytes] | None = owner

    @classmethod
    def create(cls, base: str | None = None) -> PrivateFolder:
        path = tempfile.mkdtemp(prefix=PREFIX, dir=base)  # 0700: no other user reads in
        owner = open(os.path.join(path, OWNER_FILE), "wb")  # noqa: SIM115 - held for life
        # Waiting: a run looking for dead folders may hold the lock for a moment; it lets
        # go of a folder whose owner file is still empty (see dead_folders).
        if not _try_lock(owner, wait=True) and sys.platform != "win32":
            owner.close()
            shutil.rmtree(path, ignore_errors=True)
            raise OSError(f"cannot lock the new private folder {path}")
        owner.write(str(os.getpid()).encode("ascii"))  # says it is taken; never trusted
        owner.flush()
        return cls(path, owner)

    @property
    def owned(self) -> bool:
        return self._owner is not None

    def subfolder(self, prefix: str = "") -> str:
        """A new empty 0700 folder inside, for one copy or one drag."""
        return tempfile.mkdtemp(prefix=prefix, dir=self.path)

    def release(self) -> None:
        """Give the folder up without removing it: a later run may adopt what it holds."""
        if self._owner is not None:
            self._owner.close()  # closing drops the lock
            self._owner = None

    def remove(self) -> None:
        """Delete the folder with everything in it, then give it up."""
        if self._owner is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        self.release()

    def __repr__(self) -> str:
        return f"PrivateFolder({self.path!r}, owned={self.owned})"


def dead_folders(base: str | None = None) -> Iterator[PrivateFolder]:
    """Take over the private folders whose owner is gone (a crash), one by one.

    Each one yielded is locked by the caller now: no other run starting at the same time
    touches it, and the caller removes or releases it. Live owners' folders, and folders
    with no owner file, are left alone.
    """
    base = base or tempfile.gettempdir()
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return
    for name in names:
        path = os.path.join(base, name)
        if not name.startswith(PREFIX) or os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            # O_NOFOLLOW: the owner file of a folder we may delete must not lead elsewhere;
            # not O_CREAT: a folder without one is not ours to judge.
            fd = os.open(os.path.join(path, OWNER_FILE), os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        handle = os.fdopen(fd, "r+b")
        # An empty owner file: its folder is being made right now, not left by a crash.
        if (os.fstat(fd).st_uid != os.getuid() or not _try_lock(handle)
                or not handle.read(1) or not os.path.isdir(path)):
            handle.close()
            continue
        yield PrivateFolder(path, handle)
