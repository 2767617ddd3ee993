"""File objects of the vault filesystem: ranged decrypting reads, streaming encrypting writes."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from vaultui.crypto.content import ContentCipher, FileHeader
from vaultui.crypto.errors import AuthenticationError
from vaultui.crypto.sizes import chunk_span
from vaultui.crypto.stream import EncryptingWriter
from vaultui.fs.s3stream import RangeReader
from vaultui.fs.storage import commits_on_close, read_range, temp_name
from vaultui.fs.unreachable import translate_unreachable

#: Cleartext bytes fetched per storage request when reading sequentially (128 chunks).
DEFAULT_READ_BLOCK = 128 * 32 * 1024
#: Ciphertext bytes buffered before the storage sees a write (s3fs's multipart part size).
DEFAULT_WRITE_BLOCK = 8 * 1024 * 1024


class VaultReadFile(AbstractBufferedFile):  # type: ignore[misc]
    """A seekable cleartext view of one encrypted file.

    A read fetches only the chunks that cover it (one ranged request), and every
    chunk is authenticated before any byte of it is returned.
    """

    def __init__(self, fs: AbstractFileSystem, path: str, *, storage: AbstractFileSystem,
                 ciphertext_path: str, ciphertext_size: int, size: int, cipher: ContentCipher,
                 block_size: int | None = None, cache_type: str = "readahead",
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
        super().__init__(fs, path, mode="rb", block_size=block_size or DEFAULT_READ_BLOCK,
                         cache_type=cache_type, size=size, **kwargs)

    def __repr__(self) -> str:
        return f"<VaultReadFile {self.path!r}>"

    def _fetch(self, start: int, end: int) -> bytes:
        end = min(end, self._csize)
        with translate_unreachable(self._url):
            data = self._ranges.read(start, end)
        if len(data) != end - start:
            raise AuthenticationError()  # the object changed size under us
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
    """

    def __init__(self, path: str, *, storage: AbstractFileSystem, target_path: str,
                 cipher: ContentCipher, on_commit: Callable[[], None] | None = None,
                 block_size: int = DEFAULT_WRITE_BLOCK, before_commit: Callable[[], None]
                 | None = None, location_url: str | None = None) -> None:
        super().__init__()
        self.path = path
        self._storage = storage
        self._target = target_path
        self._url = location_url or str(storage.unstrip_protocol(target_path))
        self._direct = commits_on_close(storage)
        self._written_path = target_path if self._direct else temp_name(target_path)
        self._on_commit = on_commit
        self._before_commit = before_commit
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
            if self._before_commit is not None:
                self._before_commit()
            with translate_unreachable(self._url):
                self._writer.close()
                self._raw.close()
                if not self._direct:
                    self._storage.mv(self._written_path, self._target)
        except BaseException:
            self._abort()
            raise
        finally:
            super().close()
        if self._on_commit is not None:
            self._on_commit()

    def discard(self) -> None:
        """Abandon the write: nothing is published, temporary data is removed."""
        if not self.closed:
            self._abort()

    def _abort(self) -> None:
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
