"""The vault as a FUSE file system (mfusepy over libfuse 3): the file system calls.

Attributes and folder contents come from cached listings (listings.py), never from
decrypting content: a file's size follows from its ciphertext size. Reads go through a
ranged reader with a decrypted-chunk cache; writes through openfiles.py. Times cannot be
set (the vault keeps the storage's modification times), nor modes or owners: those calls
succeed without effect, as on FAT or most network drives, so `cp -a` and `rsync -a` work.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import mfusepy

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import parent_path, split_path
from vaultui.mount.listings import Info, Listings, timestamp_of
from vaultui.mount.names import NAME_MAX, check_name, errno_of
from vaultui.mount.openfiles import OpenFile

__all__ = ["VaultOperations"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR


def _errors(func: F) -> F:
    """Turn every vault exception into the errno the calling program sees."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except mfusepy.FuseOSError:
            raise
        except Exception as exc:
            code = errno_of(exc)
            if code == errno.EIO:
                log.warning("%s failed: %s", func.__name__, type(exc).__name__)
            raise mfusepy.FuseOSError(code) from None

    return wrapper  # type: ignore[return-value]


class VaultOperations(mfusepy.Operations):  # type: ignore[misc]
    """File system calls on an unlocked vault; thread-safe (libfuse calls from many threads)."""

    use_ns = True

    def __init__(self, vfs: VaultFileSystem, *, read_only: bool = False,
                 listing_ttl: float = 2.0) -> None:
        self.vfs = vfs
        self.read_only = read_only
        self.listings = Listings(vfs, listing_ttl)
        self._lock = threading.RLock()
        self._by_path: dict[str, OpenFile] = {}
        self._handles: dict[int, tuple[OpenFile, int]] = {}
        self._next_fh = 1
        self._uid, self._gid = os.getuid(), os.getgid()
        self._started = time.time()
        #: Called once the kernel has the mount (init), e.g. to tell the user where it is.
        self.on_mounted: Callable[[], None] | None = None

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    def _rel(path: str) -> str:
        return path.strip("/")

    def _writable(self) -> None:
        if self.read_only:
            raise mfusepy.FuseOSError(errno.EROFS)

    def _attrs(self, kind: str, size: int, mtime: float) -> dict[str, Any]:
        ns = int(mtime * 1e9)
        if kind == "directory":
            mode, nlink = stat.S_IFDIR | 0o755, 2
        elif kind == "link":
            mode, nlink = stat.S_IFLNK | 0o777, 1
        else:
            mode, nlink = stat.S_IFREG | 0o644, 1
        return {"st_mode": mode, "st_nlink": nlink, "st_size": size, "st_uid": self._uid,
                "st_gid": self._gid, "st_mtime": ns, "st_ctime": ns, "st_atime": ns,
                "st_blocks": (size + 511) // 512, "st_blksize": 128 * 1024}

    def open_file(self, path: str) -> OpenFile | None:
        with self._lock:
            return self._by_path.get(path)

    def open_count(self) -> int:
        """How many handles programs hold open (to warn before unmounting)."""
        with self._lock:
            return len(self._handles)

    def _handle(self, fh: int) -> tuple[OpenFile, int]:
        with self._lock:
            found = self._handles.get(fh)
        if found is None:
            raise mfusepy.FuseOSError(errno.EBADF)
        return found

    def _new_handle(self, of: OpenFile, flags: int) -> int:
        with self._lock:
            fh = self._next_fh
            self._next_fh += 1
            self._handles[fh] = (of, flags)
            of.refs += 1
            return fh

    def _published(self, of: OpenFile) -> None:
        if of.path is not None:
            self.listings.put(of.path, {"name": of.path, "type": "file", "size": of.size,
                                        "mtime": of.mtime})

    def init(self, path: str) -> None:
        if self.on_mounted is not None:
            threading.Thread(target=self.on_mounted, daemon=True).start()

    def destroy(self, path: str) -> None:
        _destroy_uploads(self)

    # -- attributes and folders -----------------------------------------------------

    @_errors
    def getattr(self, path: str | None, fh: int | None = None) -> dict[str, Any]:
        if fh is not None and (path is None or fh in self._handles):
            of, _ = self._handle(fh)
            if of.spool is not None or of.new or of.path is None:
                return self._attrs("file", of.size, of.mtime)
        if path is None:
            raise mfusepy.FuseOSError(errno.ENOENT)
        rel = self._rel(path)
        if not rel:
            return self._attrs("directory", 0, self._started)
        check_name(rel)
        held = self.open_file(rel)
        if held is not None and (held.spool is not None or held.new):
            return self._attrs("file", held.size, held.mtime)
        info = self.listings.info(rel)
        kind = "link" if info.get("islink") else info["type"]
        return self._attrs(kind, int(info.get("size") or 0), timestamp_of(info))

    @_errors
    def readdir(self, path: str, fh: int) -> list[str]:
        rel = self._rel(path)
        names = [".", "..", *self.listings.folder(rel)]
        with self._lock:
            pending = [p for p, of in self._by_path.items() if of.new and parent_path(p) == rel]
        names += [split_path(p)[-1] for p in pending if split_path(p)[-1] not in names]
        return names

    @_errors
    def statfs(self, path: str) -> dict[str, int]:
        total, free = 1 << 40, 1 << 40
        root = self.vfs.location.root
        if self.vfs.location.url.startswith(("/", "file://")) and os.path.isdir(root):
            st = os.statvfs(root)
            total, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
        bsize = 4096
        return {"f_bsize": bsize, "f_frsize": bsize, "f_blocks": total // bsize,
                "f_bfree": free // bsize, "f_bavail": free // bsize, "f_files": 1 << 20,
                "f_ffree": 1 << 20, "f_favail": 1 << 20, "f_namemax": NAME_MAX}

    def chmod(self, path: str, mode: int) -> int:
        return 0  # the vault stores no modes

    def chown(self, path: str, uid: int, gid: int) -> int:
        return 0  # the vault stores no owners

    def utimens(self, path: str, times: tuple[int, int] | None = None) -> int:
        return 0  # the vault keeps the storage's modification times

    @_errors
    def readlink(self, path: str) -> str:
        return str(self.vfs.readlink(self._rel(path)))

    @_errors
    def symlink(self, target: str, source: str) -> int:
        self._writable()
        rel = self._rel(target)
        check_name(rel)
        self.vfs.symlink(source, rel)
        self.listings.forget(parent_path(rel))
        return 0

    # -- folders ----------------------------------------------------------------------

    @_errors
    def mkdir(self, path: str, mode: int) -> int:
        self._writable()
        rel = self._rel(path)
        check_name(rel)
        self.vfs.mkdir(rel, create_parents=False)
        self.listings.put(rel, {"name": rel, "type": "directory", "size": 0,
                                "mtime": time.time()})
        return 0

    @_errors
    def rmdir(self, path: str) -> int:
        self._writable()
        rel = self._rel(path)
        if self.vfs.ls(rel, detail=False):
            raise mfusepy.FuseOSError(errno.ENOTEMPTY)
        self.vfs.rmdir(rel)
        self.listings.drop(rel)
        return 0

    # -- opening and closing ------------------------------------------------------------

    @_errors
    def open(self, path: str, flags: int) -> int:
        rel = self._rel(path)
        if flags & _WRITE_FLAGS or flags & os.O_TRUNC:
            self._writable()
        info: Info | None = None
        if self.open_file(rel) is None:
            # Looked up outside the table lock: a listing may take a while on S3.
            info = self.listings.info(rel)
            if info["type"] == "directory":
                raise mfusepy.FuseOSError(errno.EISDIR)
        with self._lock:
            of = self._by_path.get(rel)
            if of is None:
                if info is None:  # it was open a moment ago and has just been closed
                    info = self.listings.info(rel)
                of = OpenFile(self.vfs, rel, int(info.get("size") or 0), timestamp_of(info))
                self._by_path[rel] = of
            fh = self._new_handle(of, flags)
        if flags & os.O_TRUNC:
            with of.lock:
                of.truncate(0)
        return fh

    @_errors
    def create(self, path: str, mode: int, flags: int = os.O_WRONLY) -> int:
        self._writable()
        rel = self._rel(path)
        check_name(rel)
        with self._lock:
            of = self._by_path.get(rel)
            if of is None:
                of = OpenFile(self.vfs, rel, 0, time.time(), new=True)
                self._by_path[rel] = of
            fh = self._new_handle(of, flags)
        if not of.new:
            with of.lock:
                of.truncate(0)
        return fh

    @_errors
    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        of, _ = self._handle(fh)
        with of.lock:
            return of.read(offset, size)

    @_errors
    def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
        self._writable()
        of, flags = self._handle(fh)
        with of.lock:
            if flags & os.O_APPEND:
                offset = of.size
            return of.write(offset, data)

    @_errors
    def truncate(self, path: str, length: int, fh: int | None = None) -> int:
        self._writable()
        if fh is not None:
            of, _ = self._handle(fh)
            with of.lock:
                of.truncate(length)
            return 0
        rel = self._rel(path)
        of_open = self.open_file(rel)
        if of_open is not None:
            with of_open.lock:
                of_open.truncate(length)
                if of_open.refs == 0:
                    self._upload(of_open)
            return 0
        info = self.listings.info(rel)
        of = OpenFile(self.vfs, rel, int(info.get("size") or 0), timestamp_of(info))
        try:
            of.truncate(length)
            self._upload(of)
        finally:
            of.close()
        return 0

    def _upload(self, of: OpenFile) -> None:
        if of.upload():
            self._published(of)

    @_errors
    def flush(self, path: str, fh: int) -> int:
        of, _ = self._handle(fh)
        with of.lock:
            self._upload(of)
        return 0

    @_errors
    def fsync(self, path: str, datasync: int, fh: int) -> int:
        return int(self.flush(path, fh))

    @_errors
    def release(self, path: str, fh: int) -> int:
        with self._lock:
            of, _ = self._handles.pop(fh, (None, 0))
        if of is None:
            return 0
        with of.lock:
            try:
                self._upload(of)
            finally:
                with self._lock:
                    of.refs -= 1
                    last = of.refs == 0
                    if last and of.path is not None and self._by_path.get(of.path) is of:
                        del self._by_path[of.path]
                if last:
                    of.close()
        return 0

    # -- removing and renaming ----------------------------------------------------------

    @_errors
    def unlink(self, path: str) -> int:
        self._writable()
        rel = self._rel(path)
        with self._lock:
            of = self._by_path.pop(rel, None)
        if of is not None:
            with of.lock:
                was_new = of.new
                of.detach()
            if was_new:
                self.listings.drop(rel)
                return 0
        self.vfs.rm_file(rel)
        self.listings.drop(rel)
        return 0

    @_errors
    def rename(self, old: str, new: str, flags: int = 0) -> int:
        self._writable()
        src, dst = self._rel(old), self._rel(new)
        check_name(dst)
        if flags & _RENAME_EXCHANGE:
            raise mfusepy.FuseOSError(errno.EINVAL)
        # A file still only in a spool must exist in the vault before it can move.
        moving = self.open_file(src)
        if moving is not None:
            with moving.lock:
                self._upload(moving)
        src_info = self.listings.info(src)
        try:
            dst_info: Info | None = self.listings.info(dst)
        except FileNotFoundError:
            dst_info = None
        if dst_info is not None:
            if flags & _RENAME_NOREPLACE:
                raise mfusepy.FuseOSError(errno.EEXIST)
            src_dir = src_info["type"] == "directory"
            if dst_info["type"] == "directory":
                if not src_dir:
                    raise mfusepy.FuseOSError(errno.EISDIR)
                if self.vfs.ls(dst, detail=False):
                    raise mfusepy.FuseOSError(errno.ENOTEMPTY)
                self.vfs.rmdir(dst)
                self.listings.drop(dst)
            elif src_dir:
                raise mfusepy.FuseOSError(errno.ENOTDIR)
        with self._lock:
            replaced = self._by_path.pop(dst, None)
        if replaced is not None:
            with replaced.lock:
                replaced.detach()
        self.vfs.mv(src, dst)
        self.listings.drop(src)
        self.listings.forget(parent_path(dst))
        with self._lock:
            prefix = src + "/"
            for key in [k for k in self._by_path if k == src or k.startswith(prefix)]:
                of = self._by_path.pop(key)
                of.path = dst + key[len(src):]
                self._by_path[of.path] = of
        return 0


def _destroy_uploads(ops: VaultOperations) -> None:
    """Upload what is still dirty when the file system goes away (unmount, signal), then
    let go of every open file's spool and reader."""
    with ops._lock:
        files = set(ops._by_path.values()) | {of for of, _ in ops._handles.values()}
        ops._by_path.clear()
        ops._handles.clear()
    for of in files:
        with of.lock:
            try:
                ops._upload(of)
            except Exception as exc:  # keep going: other files may still make it
                log.error("could not save an open file on unmount: %s", type(exc).__name__)
            finally:
                of.close()
