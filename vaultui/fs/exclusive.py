"""Create-if-absent writes: a new object or node folder never replaces one another writer made.

Two writers that create the same folder at once (two processes putting files into one
new folder) must end up sharing one directory: the first node stays and the second
writer adopts it. Each storage has its own way to create only if absent:

* local disk: the object is written under a hidden name and hard-linked to its final
  name (`link` fails if the name exists), a node folder is filled under a hidden name
  and renamed (`rename` of a folder onto a non-empty one fails); readers see it whole;
* S3: a conditional PUT (`If-None-Match: *`), refused when the key exists;
* Azure Blob: an upload with `if_none_match="*"` (adlfs' `mode="create"`);
* SFTP: the protocol's own rename (not OpenSSH's posix-rename extension), which refuses
  an existing target;
* any other storage: look, write, read back. Two writers can still both believe they
  won when their writes interleave within one round trip; the later one then loses
  its node and adopts the other's on its next lookup (documented in SECURITY.md).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Mapping

from fsspec.asyn import sync
from fsspec.spec import AbstractFileSystem

from vaultui.fs.s3stream import is_s3
from vaultui.fs.storage import (
    has_real_directories,
    is_local,
    join,
    protocols,
    read_head,
    temp_name,
    write_atomic,
)

_AZURE_PROTOCOLS = frozenset({"abfs", "az", "abfss"})
_SFTP_PROTOCOLS = frozenset({"sftp", "ssh"})
#: rename() errors that say the target exists (a non-empty folder, or a file in the way).
_TAKEN = frozenset({errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR})


def create_file(fs: AbstractFileSystem, path: str, data: bytes) -> bool:
    """Write `data` at `path` unless something is there; True if this call created it.

    Readers see the whole object or none of it. The parent folder must exist where
    the storage has folders.
    """
    if is_local(fs):
        return _create_local_file(path, data)
    if is_s3(fs) or protocols(fs) & _AZURE_PROTOCOLS:
        try:
            fs.pipe_file(path, data, mode="create")
        except FileExistsError:
            return False
        return True
    if protocols(fs) & _SFTP_PROTOCOLS and hasattr(fs, "_pool"):
        tmp = temp_name(path)
        fs.pipe_file(tmp, data)
        return _sftp_rename_new(fs, tmp, path)
    return _create_and_check(fs, path, data)


def create_folder(fs: AbstractFileSystem, path: str, members: Mapping[str, bytes],
                  commit: str) -> bool:
    """Create the folder `path` holding `members` (name -> bytes) unless it exists;
    True if this call created it.

    `commit` names the member whose creation publishes the folder on object stores,
    where a folder is only a key prefix: the others are written first. Elsewhere the
    folder is filled under a hidden name and renamed into place, so no reader ever sees
    it half-made. A folder that exists but lacks `commit` (another writer half-way on
    an object store) counts as existing only once `commit` is there.
    """
    if is_local(fs) or (protocols(fs) & _SFTP_PROTOCOLS and hasattr(fs, "_pool")):
        tmp = temp_name(path)
        fs.makedirs(tmp, exist_ok=True)
        try:
            for name, data in members.items():
                fs.pipe_file(join(tmp, name), data)
            created = _rename_new(fs, tmp, path)
        finally:
            # Left only when the folder existed already (or on a failure).
            with contextlib.suppress(Exception):
                if fs.exists(tmp):
                    fs.rm(tmp, recursive=True)
        return created
    if has_real_directories(fs):
        fs.makedirs(path, exist_ok=True)  # a memory filesystem's folders are explicit
    for name, data in members.items():
        if name != commit:
            write_atomic(fs, join(path, name), data)
    return create_file(fs, join(path, commit), members[commit])


def _create_local_file(path: str, data: bytes) -> bool:
    tmp = temp_name(path)
    with open(tmp, "xb") as f:
        f.write(data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:
        # A filesystem without hard links (some FUSE and network mounts): O_EXCL still
        # refuses an existing name, but a reader may see the file before it is written.
        return _create_local_exclusive(path, data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return True


def _create_local_exclusive(path: str, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return True


def _rename_new(fs: AbstractFileSystem, tmp: str, path: str) -> bool:
    """Rename the folder `tmp` to `path` unless a non-empty `path` exists."""
    if not is_local(fs):
        return _sftp_rename_new(fs, tmp, path)
    try:
        # rename() replaces only an empty folder (a leftover holding nothing), never a
        # folder with members or a file.
        os.rename(tmp, path)
    except OSError as exc:
        if exc.errno in _TAKEN:
            return False
        raise
    return True


def _sftp_rename_new(fs: AbstractFileSystem, tmp: str, path: str) -> bool:
    """SFTP's own RENAME, which OpenSSH's server refuses for an existing target.

    sshfs' `mv` prefers the posix-rename extension, which replaces: the protocol's
    rename is reached through the connection pool sshfs keeps (`_pool`).
    """
    async def rename() -> None:
        async with fs._pool.get() as channel:
            await channel.rename(tmp, path)

    try:
        sync(fs.loop, rename)
    except Exception:
        # SFTP v3 says only "failure": an existing target is known by looking.
        if fs.exists(path):
            with contextlib.suppress(Exception):
                fs.rm(tmp, recursive=True)
            return False
        raise
    return True


def _create_and_check(fs: AbstractFileSystem, path: str, data: bytes) -> bool:
    """Look, write, read back: the best a storage without conditional writes allows."""
    if fs.exists(path):
        return False
    write_atomic(fs, path, data)
    try:
        return read_head(fs, path, len(data) + 1) == data
    except FileNotFoundError:
        return False
