"""Writing cleartext to a local file: under a private temporary name, renamed when complete."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from typing import BinaryIO

#: Characters of the target's name kept in the temporary name: enough to tell whose it
#: is, short enough that the temporary name fits where the target's name fits.
_NAME_HINT = 24
#: Attempts at a fresh random name; a clash needs the same 64 random bits twice.
_ATTEMPTS = 8
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _kept_mode(target: str) -> int | None:
    """The permission bits of an existing regular file at `target`, else None."""
    try:
        st = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None


def _create_temp(folder: str, name: str, mode: int) -> tuple[int, str]:
    """A new file beside the target, never one that exists (O_EXCL): not a user's own
    `.x.part`, not another export's temporary file, not a file another entry became."""
    for _ in range(_ATTEMPTS):
        tmp = os.path.join(folder, f".{name[:_NAME_HINT]}.{secrets.token_hex(8)}.part")
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {os.path.join(folder, name)}")


@contextlib.contextmanager
def replacing_local_file(target: str) -> Iterator[BinaryIO]:
    """A file to write that replaces `target` when the block ends without an error.

    Until then it has a random hidden name in the target's folder, so an interrupted or
    failed write never leaves a partial file under the real name, and it is removed on
    every way out of the block (cancel and Ctrl-C included). An existing file keeps its
    permission bits (a 0600 file stays 0600); a new one gets what the umask allows.
    """
    folder, name = os.path.split(os.path.abspath(target))
    kept = _kept_mode(target)
    # A new file is created 0666 less the umask, which is what it keeps; an existing
    # file's mode is given from the start, so its cleartext is never more readable.
    fd, tmp = _create_temp(folder, name, 0o666 if kept is None else kept)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if kept is not None:
                # The umask may have cleared bits the old file had.
                os.chmod(out.fileno() if os.chmod in os.supports_fd else tmp, kept)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def replace_local_bytes(target: str, data: bytes) -> None:
    """Replace `target` with `data` in one step, as `replacing_local_file` does.

    For ciphertext, whose permission bits nobody set: no look at the old file's mode, and
    one unbuffered write, so a small file costs open, write, close and rename.
    """
    folder, name = os.path.split(target)
    fd, tmp = _create_temp(folder, name, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
