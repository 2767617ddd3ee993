"""Streaming encryption and decryption of file contents over file-like objects.

Memory stays at about one batch of chunks (1 MiB) whatever the file size; a seekable
source allows random access that decrypts only the chunks a read needs.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO, Protocol

from vaultui.crypto.content import ContentCipher, FileHeader
from vaultui.crypto.errors import AuthenticationError, CancelledError, FormatError
from vaultui.crypto.sizes import cleartext_size as _cleartext_size

Progress = Callable[[int], None]

#: Chunks encrypted or decrypted per buffer (1 MiB of cleartext): streaming makes one read
#: and one write per batch instead of per 32 KiB chunk.
_BATCH_CHUNKS = 32
#: Chunks per read of encrypt_stream/decrypt_stream for a file's first 2 MiB (128 KiB
#: of cleartext), into a buffer they reuse: the first touch of a fresh 1 MiB buffer costs
#: more than a whole small file (a 1 MiB file encrypted ~30% faster with 4). Past that
#: they read _BATCH_CHUNKS at a time (fewer calls: ~10% faster on big files).
_STREAM_CHUNKS = 4
#: EncryptingWriter's writes end on multiples of this many bytes of the file (the last
#: excepted): 1 MiB written page-aligned took the page cache ~15% less time than written
#: in the chunks' own 32,796-byte steps.
_WRITE_ALIGN = 4096


def _grown(buffer: memoryview, filled: int, total: int, payload: int) -> memoryview:
    """The buffer for the next read: the big one once 2 MiB went through and more come."""
    big = payload * _BATCH_CHUNKS
    if filled == len(buffer) < big and total >= 2 * big:
        return memoryview(bytearray(big))
    return buffer


class Writable(Protocol):
    def write(self, data: bytes, /) -> int | None: ...


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_exactly(src: Readable, size: int) -> bytes:
    """Read `size` bytes unless the source ends first (short reads from sockets are joined)."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = src.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _fill(src: Readable, out: memoryview) -> int:
    """Read into `out` until it is full or the source ends; returns the bytes read.

    Sources with their own `readinto` fill the caller's reused buffer; others (including
    RawIOBase subclasses that only define `read`) are read and copied.
    """
    readinto = getattr(src, "readinto", None)
    if getattr(type(src), "readinto", None) is io.RawIOBase.readinto:
        readinto = None
    done, size = 0, len(out)
    while done < size:
        if readinto is not None:
            n = readinto(out[done:])
        else:
            part = src.read(size - done)
            n = len(part)
            out[done:done + n] = part
        if not n:
            break
        done += n
    return done


def _write_view(dst: Writable, data: memoryview) -> None:
    """Write `data`, a view of a buffer that will be reused as soon as this returns.

    io objects may not keep what `write` is given (the io docs let the caller mutate it
    afterwards), so they get the view itself and no copy is made; any other writer gets
    bytes of its own, as it always has.
    """
    if isinstance(dst, io.RawIOBase | io.BufferedIOBase):
        dst.write(data)
    else:
        dst.write(data.tobytes())


class EncryptingWriter(io.RawIOBase):
    """A writable stream: cleartext written to it reaches `dst` as an encrypted file.

    Ciphertext reaches `dst` in writes that end on a multiple of 4 KiB of the file (page
    cache pages filled whole cost the kernel less than pages written in two halves); the
    rest, and the last partial chunk, on `close()`. Closing this writer does not close
    `dst`.
    """

    def __init__(self, dst: Writable, cipher: ContentCipher,
                 header: FileHeader | None = None) -> None:
        super().__init__()
        self._dst = dst
        self._cipher = cipher
        self._header = header or cipher.new_header()
        self._buffer = bytearray()
        self._index = 0
        self._written = 0
        # Ciphertext waiting to be written: the first `_held` bytes of `_out`, always less
        # than _WRITE_ALIGN, then room for a batch of up to _BATCH_CHUNKS chunks. Reused
        # between writes, and only as large as the largest batch so far.
        self._out = bytearray(cipher.encrypt_header(self._header))
        self._held = len(self._out)
        self._offset = 0  # bytes of the file that reached `dst`

    def __repr__(self) -> str:
        return f"EncryptingWriter(written={self._written})"

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed EncryptingWriter")
        view = memoryview(data).cast("B")
        size = self._cipher.payload_size
        n = len(view)
        pos = 0
        if self._buffer:
            take = min(size - len(self._buffer), n)
            self._buffer += view[:take]
            pos = take
            if len(self._buffer) == size:
                self._emit_buffer()
        full = (n - pos) // size * size
        if full:
            self._emit(view[pos:pos + full])
            pos += full
        if pos < n:
            self._buffer += view[pos:]
        self._written += n
        return n

    def _emit_buffer(self) -> None:
        # Encrypt a copy: a view of the buffer would stop it from being cleared for as long
        # as anything (a traceback, say) holds on to the view.
        self._emit(memoryview(bytes(self._buffer)))
        self._buffer.clear()

    def _emit(self, cleartext: memoryview) -> None:
        """Encrypt `cleartext` (whole chunks, or the last partial one) and write it.

        Chunks are encrypted straight into one reused buffer, behind what is held from
        before, and written a batch at a time up to the last 4 KiB boundary of the file:
        no per-chunk copies, allocations or writes.
        """
        cipher = self._cipher
        size = cipher.payload_size
        chunks = min(-(-len(cleartext) // size), _BATCH_CHUNKS)
        room = _WRITE_ALIGN + chunks * cipher.ciphertext_chunk_size
        if len(self._out) < room:
            grown = bytearray(room)
            grown[:self._held] = self._out[:self._held]
            self._out = grown
        span = chunks * size
        with memoryview(self._out) as out:
            for start in range(0, len(cleartext), span):
                piece = cleartext[start:start + span]
                end = self._held + cipher.encrypt_chunks_into(self._header, self._index, piece,
                                                               out[self._held:])
                self._index += -(-len(piece) // size)
                # Up to the last boundary of the file within reach; what is held back
                # is always less than _WRITE_ALIGN.
                boundary = self._offset + end
                cut = boundary - boundary % _WRITE_ALIGN - self._offset
                if cut > 0:
                    _write_view(self._dst, out[:cut])
                    self._offset += cut
                    out[:end - cut] = out[cut:end]
                    end -= cut
                self._held = end

    def _write_held(self) -> None:
        if self._held:
            with memoryview(self._out) as out:
                _write_view(self._dst, out[:self._held])
            self._offset += self._held
            self._held = 0

    def flush(self) -> None:
        """Write the ciphertext held back for alignment; a partial last chunk stays."""
        if not self.closed:
            self._write_held()
        super().flush()

    def close(self) -> None:
        if not self.closed:
            if self._buffer:
                self._emit_buffer()
            self._write_held()
        self._out = bytearray()
        super().close()

    def abort(self) -> None:
        """Stop without writing what is held back, the last chunk included.

        What reached `dst` so far is a file cut short (format 8 marks no last chunk, and
        a cut at a chunk boundary would read as a valid shorter file), so whoever owns
        `dst` must throw it away; `abort` only makes sure this writer adds nothing more,
        not even from `__exit__` or the finaliser.
        """
        self._buffer.clear()
        self._out = bytearray()
        self._held = 0
        super().close()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        # Leaving a `with` block through an exception must not complete the file.
        if exc_type is not None:
            self.abort()
        else:
            self.close()


class DecryptingReader(io.RawIOBase):
    """A readable stream of the cleartext of an encrypted file read from `src`.

    Seekable when `src` is: a seek costs nothing, and a read fetches only the chunks
    it covers. Every chunk is authenticated before a byte of it is returned.
    """

    def __init__(self, src: BinaryIO, cipher: ContentCipher,
                 ciphertext_size: int | None = None) -> None:
        super().__init__()
        self._src = src
        self._cipher = cipher
        self._seekable = bool(getattr(src, "seekable", lambda: False)())
        if ciphertext_size is None and self._seekable:
            here = src.tell()
            ciphertext_size = src.seek(0, io.SEEK_END) - here
            src.seek(here)
        self._size = (None if ciphertext_size is None
                      else _cleartext_size(ciphertext_size, cipher.combo))
        self._start = src.tell() if self._seekable else 0
        raw_header = _read_exactly(src, cipher.header_size)
        if len(raw_header) != cipher.header_size:
            raise FormatError("the file is shorter than a file header")
        self._header = cipher.decrypt_header(raw_header)
        self._pos = 0
        self._chunk_index = -1
        self._chunk = b""
        self._src_chunk = 0  # the chunk index `src` is positioned at
        # Ciphertext of a batch of chunks, reused between batches; grown on demand.
        self._raw = bytearray()

    def __repr__(self) -> str:
        return f"DecryptingReader(pos={self._pos}, size={self._size})"

    @property
    def size(self) -> int | None:
        """Cleartext size when the ciphertext size is known, else None."""
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("the underlying stream is not seekable")
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            assert self._size is not None
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def _load_chunk(self, index: int) -> bytes:
        if index == self._chunk_index:
            return self._chunk
        cipher = self._cipher
        if index != self._src_chunk:
            if not self._seekable:
                raise io.UnsupportedOperation("the underlying stream is not seekable")
            self._src.seek(self._start + cipher.header_size + index * cipher.ciphertext_chunk_size)
        raw = _read_exactly(self._src, cipher.ciphertext_chunk_size)
        self._src_chunk = index + 1
        if not raw:
            self._chunk_index, self._chunk = index, b""
            return b""
        cleartext = cipher.decrypt_chunk(self._header, index, raw)
        # A short chunk must be the last: anything after it means the file was altered.
        if (len(raw) < cipher.ciphertext_chunk_size and self._size is None
                and _read_exactly(self._src, 1)):
            raise AuthenticationError()
        self._chunk_index, self._chunk = index, cleartext
        return cleartext

    def read(self, size: int | None = -1) -> bytes:
        if self.closed:
            raise ValueError("read from a closed DecryptingReader")
        if size is None or size < 0:
            return self.readall()
        if self._size is not None:
            size = min(size, max(0, self._size - self._pos))
        parts: list[bytes] = []
        payload = self._cipher.payload_size
        while size > 0:
            index, offset = divmod(self._pos, payload)
            chunk = self._load_chunk(index)
            piece = chunk[offset:offset + size]
            if not piece:
                if self._size is not None and self._pos < self._size:
                    # The storage said the file is longer than what it delivered.
                    raise AuthenticationError()
                break
            parts.append(piece)
            self._pos += len(piece)
            size -= len(piece)
        return b"".join(parts)

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while True:
            part = self.read(self._cipher.payload_size * 8)
            if not part:
                return b"".join(parts)
            parts.append(part)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed DecryptingReader")
        out = memoryview(buffer).cast("B")
        want = len(out)
        if self._size is not None:
            want = min(want, max(0, self._size - self._pos))
        payload = self._cipher.payload_size
        done = 0
        # Sequential reads of whole chunks (what streaming does) are decrypted straight into
        # `buffer`, a batch of chunks per source read; anything else goes chunk by chunk.
        if (want >= payload and self._pos % payload == 0
                and self._pos // payload == self._src_chunk):
            done, more = self._read_chunks_into(out[: want - want % payload])
            if not more:
                return done
        if done < want:
            data = self.read(want - done)
            out[done:done + len(data)] = data
            done += len(data)
        return done

    def _read_chunks_into(self, out: memoryview) -> tuple[int, bool]:
        """Decrypt the next whole chunks from the source into `out` (whole payloads long).

        Returns the bytes decrypted and whether the source may hold more. Errors and the
        reader's state afterwards are the same as reading the chunks one at a time.
        """
        cipher, header = self._cipher, self._header
        payload, step = cipher.payload_size, cipher.ciphertext_chunk_size
        done = 0
        for batch_start in range(0, len(out), _BATCH_CHUNKS * payload):
            count = min(len(out) - batch_start, _BATCH_CHUNKS * payload) // payload
            if len(self._raw) < count * step:
                self._raw = bytearray(count * step)
            raw = memoryview(self._raw)[: _fill(self._src, memoryview(self._raw)[: count * step])]
            first = self._src_chunk
            self._src_chunk = first + -(-len(raw) // step)
            for i in range(count):
                piece = raw[i * step:(i + 1) * step]
                if not piece:  # the source ended on a chunk boundary
                    if self._size is not None:
                        # The storage said the file is longer than what it delivered.
                        raise AuthenticationError()
                    return done, False
                n = cipher.decrypt_chunk_into(header, first + i, piece, out[done:])
                self._pos += n
                done += n
                if n < payload:
                    # A short chunk is the last: keep it, as the chunk-by-chunk path does,
                    # so that reading on from here finds the end without the source.
                    self._chunk_index, self._chunk = first + i, out[done - n:done].tobytes()
                    if self._size is not None:
                        raise AuthenticationError()  # the storage said there was more
                    return done, False
            if len(raw) < count * step:
                return done, False
        return done, True


def encrypt_stream(src: Readable, dst: Writable, cipher: ContentCipher, *,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> int:
    """Encrypt all of `src` into `dst`; returns the cleartext byte count.

    `progress` receives cleartext bytes done; `cancelled` is polled once per chunk and
    raises CancelledError when it returns True.
    """
    total = 0
    payload = cipher.payload_size
    buffer = memoryview(bytearray(payload * _STREAM_CHUNKS))
    # On cancel or error the writer stops short of the last chunk; the caller owns `dst`
    # and must discard what is there (it reads as a valid but shorter file).
    with EncryptingWriter(dst, cipher) as writer:
        while True:
            if cancelled is not None and cancelled():
                raise CancelledError()
            n = _fill(src, buffer)
            if not n:
                break
            writer.write(buffer[:n])
            total += n
            if progress is not None:
                progress(total)
            buffer = _grown(buffer, n, total, payload)
    return total


def decrypt_stream(src: BinaryIO, dst: Writable, cipher: ContentCipher, *,
                   ciphertext_size: int | None = None, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> int:
    """Decrypt an encrypted file from `src` into `dst`; returns the cleartext byte count."""
    reader = DecryptingReader(src, cipher, ciphertext_size)
    total = 0
    payload = cipher.payload_size
    # Chunks are decrypted into a reused buffer, not into new bytes objects that would
    # then be joined.
    buffer = memoryview(bytearray(payload * _STREAM_CHUNKS))
    while True:
        if cancelled is not None and cancelled():
            raise CancelledError()
        n = reader.readinto(buffer)
        if not n:
            break
        _write_view(dst, buffer[:n])
        total += n
        if progress is not None:
            progress(total)
        buffer = _grown(buffer, n, total, payload)
    return total


def encrypt_bytes(data: bytes, cipher: ContentCipher) -> bytes:
    """A whole file's ciphertext, header and chunks, for cleartext held in memory.

    What EncryptingWriter writes, made in one buffer: for a small file the stream's
    set-up was a third of the work of putting it into a vault.
    """
    header = cipher.new_header()
    head = cipher.encrypt_header(header)
    chunks = -(-len(data) // cipher.payload_size)
    # Room beyond the last tag: AES-CTR's update_into asks for up to 15 more bytes.
    out = bytearray(len(head) + chunks * cipher.ciphertext_chunk_size + 32)
    out[:len(head)] = head
    with memoryview(out) as view, memoryview(data) as cleartext:
        end = len(head) + cipher.encrypt_chunks_into(header, 0, cleartext.cast("B"),
                                                     view[len(head):])
    del out[end:]
    return bytes(out)


def decrypt_bytes(data: bytes, cipher: ContentCipher) -> bytes:
    return DecryptingReader(io.BytesIO(data), cipher).read()
