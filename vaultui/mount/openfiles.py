"""Files that programs hold open through a mount: shared state, buffered writes, uploads.

All handles on one path share one OpenFile, so two programs with the same file open see
each other's writes. A file is read straight from the vault (a ranged, chunk-cached
reader) until someone writes to it; then its content moves into an EncryptedSpool (the
whole file is copied in: random writes and O_APPEND rewrite the file, the documented cost
of a format that authenticates whole files) and goes back to the vault as one atomic
upload on flush, fsync or the last close. Nothing half-written is ever visible in the
vault: the upload publishes the new version only once it is complete.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.spool import EncryptedSpool, spool_directory

_UPLOAD_BLOCK = 4 * 1024 * 1024


class OpenFile:
    """One file's content while it is open; every method runs under `lock`."""

    def __init__(self, vfs: VaultFileSystem, path: str, size: int, mtime: float,
                 *, new: bool = False) -> None:
        self.vfs = vfs
        self.path: str | None = path  # None once it was deleted while open
        self.size = size
        self.mtime = mtime
        self.refs = 0
        self.lock = threading.RLock()
        self.spool: EncryptedSpool | None = None
        self.dirty = False
        self.new = new  # created through the mount and not uploaded yet
        self._reader: Any = None
        if new:
            self.spool = EncryptedSpool(spool_directory())
            self.dirty = True

    def __repr__(self) -> str:
        return f"OpenFile({self.path!r}, refs={self.refs}, dirty={self.dirty})"

    # -- reading --------------------------------------------------------------------

    def read(self, offset: int, size: int) -> bytes:
        if self.spool is not None:
            return self.spool.read(offset, size)
        if offset >= self.size:
            return b""
        if self._reader is None:
            assert self.path is not None
            self._reader = self.vfs.open(self.path, "rb")
        self._reader.seek(offset)
        return bytes(self._reader.read(size))

    # -- writing --------------------------------------------------------------------

    def materialise(self, keep: int | None = None) -> EncryptedSpool:
        """Move the content into a spool (the first `keep` bytes; all if None)."""
        if self.spool is not None:
            return self.spool
        spool = EncryptedSpool(spool_directory())
        try:
            want = self.size if keep is None else min(keep, self.size)
            if want and self.path is not None:
                with self.vfs.open(self.path, "rb") as src:
                    pos = 0
                    while pos < want:
                        block = src.read(min(_UPLOAD_BLOCK, want - pos))
                        if not block:
                            break
                        spool.write(pos, block)
                        pos += len(block)
        except BaseException:
            spool.close()
            raise
        self._close_reader()
        self.spool = spool
        return spool

    def write(self, offset: int, data: bytes) -> int:
        spool = self.materialise()
        written = spool.write(offset, data)
        self.size = spool.size
        self.dirty = True
        self.mtime = time.time()
        return written

    def truncate(self, length: int) -> None:
        spool = self.materialise(keep=length)
        spool.truncate(length)
        self.size = length
        self.dirty = True
        self.mtime = time.time()

    def upload(self) -> bool:
        """Publish the content if it changed; True if something was uploaded."""
        if not self.dirty or self.spool is None or self.path is None:
            return False
        with self.vfs.open(self.path, "wb") as dst:
            for block in self.spool.blocks(_UPLOAD_BLOCK):
                dst.write(block)
        self.dirty = False
        self.new = False
        return True

    def detach(self) -> None:
        """The path was deleted or replaced while open: keep the content for the handles."""
        if self.refs > 0 and self.spool is None and not self.new:
            with contextlib.suppress(OSError):
                self.materialise()
        self.path = None
        self.dirty = False

    def close(self) -> None:
        self._close_reader()
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def _close_reader(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(Exception):
                self._reader.close()
            self._reader = None
