"""What names a mount accepts, and how vault errors become errno values and HTTP statuses."""

from __future__ import annotations

import errno

from vaultui.crypto.errors import AuthenticationError
from vaultui.fs.errors import StorageUnavailableError, VaultCorruptError

#: The longest name (UTF-8 bytes) a mount accepts, as on every common local file system;
#: the vault itself would shorten longer ones, but programs and other tools expect 255.
NAME_MAX = 255


def check_name(path: str) -> None:
    """Raise OSError(ENAMETOOLONG) if a component of `path` is longer than NAME_MAX bytes."""
    for part in path.split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            raise OSError(errno.ENAMETOOLONG, "name too long for the vault", part[:40] + "...")


#: errno for each kind of exception, most specific first. Damaged or tampered data and an
#: unreachable storage are EIO: reading cannot give the right bytes.
_ERRNO_OF: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int], ...] = (
    ((AuthenticationError, VaultCorruptError, StorageUnavailableError), errno.EIO),
    (FileNotFoundError, errno.ENOENT),
    (FileExistsError, errno.EEXIST),
    (IsADirectoryError, errno.EISDIR),
    (NotADirectoryError, errno.ENOTDIR),
    (PermissionError, errno.EACCES),
)


def errno_of(exc: BaseException) -> int:
    """The errno a file system call reports for an exception from the vault."""
    for kind, code in _ERRNO_OF:
        if isinstance(exc, kind):
            return code
    if isinstance(exc, OSError) and isinstance(exc.errno, int) and exc.errno > 0:
        return exc.errno
    if isinstance(exc, OSError) and "not empty" in str(exc):
        return errno.ENOTEMPTY
    return errno.EIO


#: HTTP status for an errno, for the WebDAV server.
_HTTP_STATUS = {
    errno.ENOENT: 404,
    errno.EEXIST: 405,
    errno.EISDIR: 405,
    errno.ENOTDIR: 409,
    errno.EACCES: 403,
    errno.EROFS: 403,
    errno.ENOTEMPTY: 409,
    errno.ENAMETOOLONG: 414,
    errno.ENOSPC: 507,
}


def http_status_of(exc: BaseException) -> int:
    """The HTTP status a WebDAV request answers with for an exception from the vault."""
    if isinstance(exc, StorageUnavailableError):
        return 502  # the storage behind us did not answer
    return _HTTP_STATUS.get(errno_of(exc), 500)
