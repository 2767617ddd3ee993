"""File objects of the vault filesystem: ranged decrypting reads, streaming encrypting writes."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from fsspec.caching import BaseCache
from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from vaultui.crypto.content import ContentCipher, FileHeader
from vaultui.crypto.sizes import chunk_span
from vaultui.crypto.stream import EncryptingWriter
from vaultui.fs.errors import FileChangedError
from vaultui.fs.s3stream import RangeReader
from vaultui.fs.storage import commits_on_close, read_range, temp_name
from vaultui.fs.unreachable import translate_unreachable

#: Cleartext bytes fetched per storage request when reading sequentially (128 chunks).
DEFAULT_READ_BLOCK = 128 * 32 * 1024
#: Ciphertext bytes buffered before the storage sees a write (s3fs's multipart part size).
DEFAULT_WRITE_BLOCK = 8 * 1024 * 1024


class ChunkCache(BaseCache):  # type: ignore[misc]
    """Keeps the decrypted chunks of the last fetch and fetches whole chunks only.

    A read that does not continue the previous one (the first read, a read after a
    seek) fetches exactly the chunks it covers: a ranged read costs no more than it
    needs. A read that continues where the previous one ended is sequential reading,
    and fetches `blocksize` more so that a scan costs few requests. fsspec's
    readahead cache would add `blocksize` to every read, seeks included.
    """

    name = "vaultui-chunks"

    def __init__(self, blocksize: int, fetcher: Callable[[int, int], bytes], size: int,
                 chunk_size: int) -> None:
        super().__init__(blocksize, fetcher, size)
        self.chunk_size = chunk_size
        self.start = 0
        self.end = 0
        self.data = b""
        self._last_end: int | None = None

    def _fetch(self, start: int | None, end: int | None) -> bytes:
        start = 0 if start is None else start
        end = self.size if end is None else min(end, self.size)
        if start >= end:
            return b""
        sequential = start == self._last_end
        self._last_end = end
        if self.start <= start and end <= self.end:
            self.hit_count += 1
            return self.data[start - self.start:end - self.start]
        self.miss_count += 1
        if self.start <= start < self.end:
            # The cached tail is the start of this read: fetch only what follows it.
            head, fetch_start = self.data[start - self.start:], self.end
        else:
            head, fetch_start = b"", start - start % self.chunk_size
        fetch_end = end + self.blocksize if sequential else end
        fetch_end = min(self.size, -(-fetch_end // self.chunk_size) * self.chunk_size)
        self.total_requested_bytes += fetch_end - fetch_start
        self.data = self.fetcher(fetch_start, fetch_end)
        self.start, self.end = fetch_start, fetch_start + len(self.data)
        return head + self.data[max(0, start - fetch_start):end - fetch_start]


class VaultReadFile(AbstractBufferedFile):  # type: ignore[misc]
    """A seekable cleartext view of one encrypted file.

    A read fetches only the chunks that cover it (one ranged request, see ChunkCache),
    and every chunk is authenticated before any byte of it is returned. Pass
    `cache_type` to use one of fsspec's caches instead.
    """

    def __init__(self, fs: AbstractFileSystem, path: str, *, storage: AbstractFileSystem,
                 ciphertext_path: str, ciphertext_size: int, size: int, cipher: ContentCipher,
                 block_size: int | None = None, cache_type: str | None = None,
                 location_url: str | None = None, **kwargs: Any) -> None:
        self._storage = storage
        self._url = location_url or str(storage.unstrip_protocol(ciphertext_path))
        self._cpath = ciphertext_path
        self._csize = ciphertext_size
        self._cipher = cipher
        self._header: FileHeader | None = None
        self._ranges = RangeReader(storage, ciphertext_path,
                                   lambda start, end: read_range(storage, ciphertext_path,
                                                                 start, end))
        block_size = block_size or DEFAULT_READ_BLOCK
        super().__init__(fs, path, mode="rb", block_size=block_size,
                         cache_type=cache_type or "none", size=size, **kwargs)
        if cache_type is None:
            self.cache = ChunkCache(block_size, self._fetch_range, size, cipher.payload_size)

    def __repr__(self) -> str:
        return f"<VaultReadFile {self.path!r}>"

    def _fetch(self, start: int, end: int) -> bytes:
        end = min(end, self._csize)
        # Nothing marks a file's last chunk, so a longer version that replaced this file
        # since its size was taken would read as this one cut at a chunk boundary,
        # authentic but truncated. Asking for one byte past the end shows it.
        ask = end + 1 if end == self._csize else end
        with translate_unreachable(self._url):
            data = self._ranges.read(start, ask)
        if len(data) != end - start:
            raise FileChangedError(f"{self.path!r} was replaced while it was being read")
        return data

    def close(self) -> None:
        # Before the base class: an open S3 stream holds a connection.
        with contextlib.suppress(Exception):
            self._ranges.close()
        super().close()

    def _fetch_range(self, start: int, end: int) -> bytes:
        end = min(end, self.size)
        if start >= end:
            return b""
        cipher = self._cipher
        span = chunk_span(start, end, cipher.combo)
        hsize = cipher.header_size
        if self._header is None and span.first_chunk == 0:
            # One request for the header and the first chunks.
            data = self._fetch(0, span.ciphertext_end)
            self._header = cipher.decrypt_header(data[:hsize])
            data = data[hsize:]
        else:
            if self._header is None:
                self._header = cipher.decrypt_header(self._fetch(0, hsize))
            data = self._fetch(span.ciphertext_start, span.ciphertext_end)
        step = cipher.ciphertext_chunk_size
        view = memoryview(data)
        out = bytearray()
        for i, index in enumerate(range(span.first_chunk, span.last_chunk + 1)):
            out += cipher.decrypt_chunk(self._header, index, view[i * step:(i + 1) * step])
        return bytes(out[span.skip:span.skip + (end - start)])


class VaultWriteFile(io.RawIOBase):
    """A write-only stream whose bytes reach storage encrypted, with memory flat in size.

    Nothing appears under the final name until `close()` completes: object stores
    publish an object only when its upload completes, elsewhere we write a hidden
    temporary name and rename it. A failed or discarded write leaves no object that
    looks complete.

    With `autocommit=False` (inside `fs.transaction`) `close()` only finishes the
    bytes under the temporary name; `commit()` publishes them, `discard()` drops them.
    """

    def __init__(self, path: str, *, storage: AbstractFileSystem, target_path: str,
                 cipher: ContentCipher, temp_path: str | None = None,
                 block_size: int = DEFAULT_WRITE_BLOCK, autocommit: bool = True,
                 before_commit: Callable[[], None] | None = None,
                 on_commit: Callable[[], None] | None = None,
                 on_abort: Callable[[], None] | None = None,
                 location_url: str | None = None) -> None:
        """`temp_path` is where the bytes go until they commit (on storages that publish
        as they write); `before_commit` runs just before publishing, `on_abort` after a
        failed or abandoned write has been cleaned up."""
        super().__init__()
        self.path = path
        self.autocommit = autocommit
        self._storage = storage
        self._target = target_path
        self._url = location_url or str(storage.unstrip_protocol(target_path))
        # An object store publishes an upload whole when it completes: write in place,
        # unless publishing must wait for commit().
        self._direct = autocommit and commits_on_close(storage)
        self._written_path = (target_path if self._direct
                              else temp_path or temp_name(target_path))
        self._on_commit = on_commit
        self._before_commit = before_commit
        self._on_abort = on_abort
        self._pending = False  # closed, written under the temporary name, not committed
        with translate_unreachable(self._url):
            self._raw: Any = storage.open(self._written_path, "wb", block_size=block_size) \
                if self._direct else storage.open(self._written_path, "wb")
        try:
            with translate_unreachable(self._url):
                self._writer = EncryptingWriter(self._raw, cipher)
        except BaseException:
            self._abort()
            raise
        self._size = 0

    def __repr__(self) -> str:
        return f"<VaultWriteFile {self.path!r}>"

    @property
    def mode(self) -> str:
        return "wb"

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._size

    def write(self, data: Any) -> int:
        try:
            with translate_unreachable(self._url):
                n = self._writer.write(data)
        except BaseException:
            self._abort()
            raise
        self._size += n
        return n

    def flush(self) -> None:
        """Nothing to do: data is committed only as a whole, on close."""

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._direct and self._before_commit is not None:
                self._before_commit()  # closing the upload publishes it
            with translate_unreachable(self._url):
                self._writer.close()
                self._raw.close()
                if not self._direct:
                    if self.autocommit:
                        self._publish()
                    else:
                        self._pending = True
        except BaseException:
            self._abort()
            raise
        finally:
            super().close()
        if self.autocommit and self._on_commit is not None:
            self._on_commit()

    def _publish(self) -> None:
        if self._before_commit is not None:
            self._before_commit()
        with translate_unreachable(self._url):
            self._storage.mv(self._written_path, self._target)

    def commit(self) -> None:
        """Publish a write closed inside a transaction."""
        if not self._pending:
            if not self.closed:
                raise ValueError("close the file before committing it")
            return
        try:
            self._publish()
        except BaseException:
            self._abort()
            raise
        finally:
            self._pending = False
        if self._on_commit is not None:
            self._on_commit()

    def discard(self) -> None:
        """Abandon the write: nothing is published, temporary data is removed."""
        if not self.closed or self._pending:
            self._pending = False
            self._abort()

    def _abort(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            # Its buffered last chunk must never reach the storage; should dropping it
            # fail, the upload below is discarded all the same.
            with contextlib.suppress(Exception):
                writer.abort()
        raw = self._raw
        if self._direct:
            with contextlib.suppress(Exception):
                raw.discard()  # s3fs aborts the multipart upload
            # Mark it closed so that neither we nor its finaliser publishes the object.
            with contextlib.suppress(Exception):
                raw.closed = True
        else:
            with contextlib.suppress(Exception):
                raw.close()
            with contextlib.suppress(Exception):
                self._storage.rm_file(self._written_path)
        if self._on_abort is not None:
            with contextlib.suppress(Exception):
                self._on_abort()
        with contextlib.suppress(Exception):
            super().close()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # A `with` block that raised must not publish a truncated file.
        if exc_type is not None:
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        # Garbage-collected while still open means abandoned: never publish it.
        with contextlib.suppress(Exception):
            if not self.closed:
                self._abort()
