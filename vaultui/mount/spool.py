"""A random-access scratch buffer for a file being written, encrypted on the local disk.

Programs write files through a mount at any offset and in any order, while the vault can
only publish a whole file at once. The bytes wait here until the file is uploaded. They
never reach the disk in cleartext: the spool is an unnamed temporary file (gone when the
process dies, never visible to other users) of fixed-size slots, each one block sealed
under a key that exists only in this process's memory (ScratchSealer). Memory stays
bounded by one block whatever the file's size.

Cost: every block is sealed once when written and opened once when uploaded, AES-GCM at
several GB/s, a few percent of the vault's own encryption; a block written in small
pieces is held in memory until the writer moves on, so it is sealed once, not per piece.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

from vaultui.crypto.scratch import SCRATCH_OVERHEAD, ScratchSealer

#: Cleartext bytes per sealed slot.
SPOOL_BLOCK = 256 * 1024


class EncryptedSpool:
    """A growable byte array on the local disk whose blocks are sealed; not thread-safe."""

    def __init__(self, directory: str | None = None, block_size: int = SPOOL_BLOCK) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (lives with us)
        self._sealer = ScratchSealer()
        self._block = block_size
        self._slot = block_size + SCRATCH_OVERHEAD
        self._written: set[int] = set()  # slots that hold a block; others read as zeros
        self._size = 0
        # One block held in memory while it is being written or read.
        self._held_index = -1
        self._held = bytearray()
        self._held_dirty = False

    def __repr__(self) -> str:
        return f"EncryptedSpool(size={self._size})"

    @property
    def size(self) -> int:
        return self._size

    def close(self) -> None:
        self._held = bytearray()
        self._file.close()

    # -- blocks -------------------------------------------------------------------

    def _load(self, index: int) -> bytearray:
        if index == self._held_index:
            return self._held
        self._store()
        if index in self._written:
            self._file.seek(index * self._slot)
            sealed = self._file.read(self._slot)
            block = bytearray(self._sealer.open(index, sealed))
        else:
            block = bytearray(self._block)
        self._held_index, self._held, self._held_dirty = index, block, False
        return block

    def _store(self) -> None:
        if self._held_dirty:
            self._put(self._held_index, bytes(self._held))
            self._held_dirty = False

    def _put(self, index: int, block: bytes) -> None:
        self._file.seek(index * self._slot)
        self._file.write(self._sealer.seal(index, block))
        self._written.add(index)

    # -- bytes --------------------------------------------------------------------

    def write(self, offset: int, data: bytes) -> int:
        """Write `data` at `offset` (past the end leaves zeros between); returns its length."""
        view = memoryview(data)
        if not view:
            return 0  # as pwrite: writing nothing past the end does not extend the file
        pos, done = offset, 0
        bs = self._block
        while done < len(view):
            index, within = divmod(pos, bs)
            count = min(bs - within, len(view) - done)
            if within == 0 and count == bs and index != self._held_index:
                self._put(index, bytes(view[done:done + bs]))  # a whole block: no read
            else:
                block = self._load(index)
                block[within:within + count] = view[done:done + count]
                self._held_dirty = True
            pos += count
            done += count
        self._size = max(self._size, offset + len(view))
        return len(view)

    def read(self, offset: int, size: int) -> bytes:
        end = min(self._size, offset + size)
        out = bytearray()
        pos = offset
        while pos < end:
            index, within = divmod(pos, self._block)
            count = min(self._block - within, end - pos)
            out += self._load(index)[within:within + count]
            pos += count
        return bytes(out)

    def truncate(self, length: int) -> None:
        if length < self._size:
            # Zero the cut-off tail of the last kept block, so growing again reads zeros.
            index, within = divmod(length, self._block)
            if within:
                block = self._load(index)
                block[within:] = bytes(self._block - within)
                self._held_dirty = True
            first_gone = -(-length // self._block)
            self._written = {i for i in self._written if i < first_gone}
            if self._held_index >= first_gone:
                self._held_index, self._held_dirty = -1, False
            self._file.truncate(first_gone * self._slot)
        self._size = length

    def blocks(self, block_size: int = 4 * 1024 * 1024) -> Iterator[bytes]:
        """The content front to back, in pieces of about `block_size` (for uploading)."""
        pos = 0
        while pos < self._size:
            piece = self.read(pos, block_size)
            yield piece
            pos += len(piece)


def spool_directory() -> str | None:
    """Where spools go: $VAULTUI_SPOOL_DIR if set, else the system's temporary folder."""
    return os.environ.get("VAULTUI_SPOOL_DIR") or None
