"""Streaming encryption/decryption: round trips, random access, pipes, memory."""

from __future__ import annotations

import io
import itertools
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.crypto.helpers import CHUNK, COMBOS, Pipe, Sink, fixed_key, pattern
from vaultui.crypto import (
    CancelledError,
    CipherCombo,
    ContentCipher,
    DecryptingReader,
    EncryptingWriter,
    FormatError,
    content_cipher,
)
from vaultui.crypto.sizes import ciphertext_size
from vaultui.crypto.stream import decrypt_bytes, decrypt_stream, encrypt_bytes, encrypt_stream

MiB = 1024 * 1024
SIZES = [0, 1, 32767, 32768, 32769, 3 * MiB + 5]
KEY = fixed_key()


def counting(cipher: ContentCipher) -> list[int]:
    """Record the index of every chunk `cipher` decrypts."""
    calls: list[int] = []
    original = cipher.decrypt_chunk

    def decrypt_chunk(header, index, ciphertext):
        calls.append(index)
        return original(header, index, ciphertext)

    cipher.decrypt_chunk = decrypt_chunk  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_through_writer_and_reader(cipher: ContentCipher, size: int) -> None:
    clear = pattern(size, seed=size)
    out = io.BytesIO()
    with EncryptingWriter(out, cipher) as writer:
        writer.write(clear)
    assert not out.closed, "closing the writer must not close its destination"
    data = out.getvalue()
    assert len(data) == ciphertext_size(size, cipher.combo)
    reader = DecryptingReader(io.BytesIO(data), cipher)
    assert reader.size == size
    assert reader.read() == clear


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_through_stream_functions(cipher: ContentCipher, size: int) -> None:
    clear = pattern(size, seed=size)
    out = io.BytesIO()
    assert encrypt_stream(io.BytesIO(clear), out, cipher) == size
    back = io.BytesIO()
    out.seek(0)
    assert decrypt_stream(out, back, cipher) == size
    assert back.getvalue() == clear


@pytest.mark.parametrize("combo", COMBOS)
@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 3 * CHUNK + 100), seed=st.integers(0, 2**16),
       splits=st.lists(st.integers(0, CHUNK + 50), max_size=12))
def test_any_write_split_gives_the_same_file(combo: CipherCombo, size: int, seed: int,
                                             splits: list[int]) -> None:
    cipher = content_cipher(combo, KEY)
    clear = pattern(size, seed)
    out = io.BytesIO()
    writer = EncryptingWriter(out, cipher)
    pos = 0
    for n in splits:
        writer.write(memoryview(clear)[pos:pos + n])
        pos = min(pos + n, size)
    writer.write(clear[pos:])
    writer.close()
    data = out.getvalue()
    assert len(data) == ciphertext_size(size, combo)
    assert DecryptingReader(io.BytesIO(data), cipher).read() == clear


RA_SIZE = 5 * CHUNK + 777
RA_CLEAR = pattern(RA_SIZE, seed=3)
RA_FILES = {c: encrypt_bytes(RA_CLEAR, content_cipher(c, KEY)) for c in COMBOS}


@pytest.mark.parametrize("combo", COMBOS)
@settings(max_examples=80, deadline=None)
@given(reads=st.lists(st.tuples(st.integers(0, RA_SIZE + 10), st.integers(-1, 2 * CHUNK)),
                      min_size=1, max_size=6))
def test_random_access_equals_slicing(combo: CipherCombo,
                                      reads: list[tuple[int, int]]) -> None:
    reader = DecryptingReader(io.BytesIO(RA_FILES[combo]), content_cipher(combo, KEY))
    for offset, length in reads:
        assert reader.seek(offset) == offset
        got = reader.read(length)
        want = RA_CLEAR[offset:] if length < 0 else RA_CLEAR[offset:offset + length]
        assert got == want
        assert reader.tell() == offset + len(want)


@pytest.mark.parametrize(
    ("offset", "length", "chunks"),
    [
        (3 * CHUNK + 5, 10, [3]),  # inside one chunk
        (2 * CHUNK - 3, 6, [1, 2]),  # across a boundary
        (4 * CHUNK, CHUNK, [4]),  # exactly one chunk
        (5 * CHUNK + 700, 1000, [5]),  # the short last chunk, read past its end
        (0, 1, [0]),
    ],
)
def test_range_read_decrypts_only_the_chunks_it_needs(
        combo: CipherCombo, offset: int, length: int, chunks: list[int]) -> None:
    cipher = content_cipher(combo, KEY)
    calls = counting(cipher)
    reader = DecryptingReader(io.BytesIO(RA_FILES[combo]), cipher)
    reader.seek(offset)
    assert reader.read(length) == RA_CLEAR[offset:offset + length]
    assert calls == chunks


def test_seeking_costs_nothing_and_rereading_a_chunk_uses_the_cache(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    calls = counting(cipher)
    reader = DecryptingReader(io.BytesIO(RA_FILES[combo]), cipher)
    for pos in (4 * CHUNK, 0, 3 * CHUNK):
        reader.seek(pos)
    assert calls == []
    reader.seek(CHUNK + 1)
    reader.read(10)
    reader.seek(CHUNK + 100)
    reader.read(10)
    assert calls == [1]


def test_sequential_read_decrypts_each_chunk_once(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    calls = counting(cipher)
    reader = DecryptingReader(io.BytesIO(RA_FILES[combo]), cipher)
    while reader.read(1000):
        pass
    assert calls == [0, 1, 2, 3, 4, 5]


def test_seek_whence_and_errors(cipher: ContentCipher) -> None:
    data = encrypt_bytes(RA_CLEAR, cipher)
    reader = DecryptingReader(io.BytesIO(data), cipher)
    assert reader.seekable() and reader.readable()
    assert reader.seek(-10, io.SEEK_END) == RA_SIZE - 10
    assert reader.read() == RA_CLEAR[-10:]
    assert reader.seek(-20, io.SEEK_CUR) == RA_SIZE - 20
    assert reader.read(5) == RA_CLEAR[-20:-15]
    assert reader.read(0) == b""
    with pytest.raises(ValueError):
        reader.seek(-1)
    with pytest.raises(ValueError):
        reader.seek(0, 7)
    reader.seek(RA_SIZE + 100)
    assert reader.read(10) == b""
    reader.close()
    with pytest.raises(ValueError):
        reader.read(1)


def test_readinto(cipher: ContentCipher) -> None:
    reader = DecryptingReader(io.BytesIO(encrypt_bytes(RA_CLEAR, cipher)), cipher)
    reader.seek(CHUNK - 2)
    buf = bytearray(5)
    assert reader.readinto(buf) == 5
    assert bytes(buf) == RA_CLEAR[CHUNK - 2:CHUNK + 3]
    # io.BufferedReader on top works as for any raw stream.
    buffered = io.BufferedReader(DecryptingReader(io.BytesIO(encrypt_bytes(RA_CLEAR, cipher)),
                                                  cipher))
    assert buffered.read() == RA_CLEAR


def test_reader_starts_at_the_sources_position(cipher: ContentCipher) -> None:
    """A file embedded in a larger stream: the reader works relative to where it starts."""
    data = encrypt_bytes(RA_CLEAR, cipher)
    src = io.BytesIO(b"prefix-bytes" + data)
    src.seek(len(b"prefix-bytes"))
    reader = DecryptingReader(src, cipher)
    assert reader.size == RA_SIZE
    reader.seek(3 * CHUNK)
    assert reader.read(100) == RA_CLEAR[3 * CHUNK:3 * CHUNK + 100]


def test_explicit_ciphertext_size(cipher: ContentCipher) -> None:
    data = encrypt_bytes(RA_CLEAR, cipher)
    reader = DecryptingReader(cast(BinaryIO, Pipe(data)), cipher, ciphertext_size=len(data))
    assert reader.size == RA_SIZE
    assert reader.read() == RA_CLEAR
    with pytest.raises(FormatError):
        DecryptingReader(io.BytesIO(data), cipher, ciphertext_size=cipher.header_size + 1)


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, RA_SIZE])
@pytest.mark.parametrize("max_read", [1, 999, 100_000])
def test_non_seekable_source_reads_sequentially(cipher: ContentCipher, size: int,
                                                max_read: int) -> None:
    clear = RA_CLEAR[:size]
    reader = DecryptingReader(Pipe(encrypt_bytes(clear, cipher), max_read), cipher)  # type: ignore[arg-type]
    assert not reader.seekable()
    assert reader.size is None
    got = bytearray()
    while part := reader.read(4321):
        got += part
    assert got == clear
    with pytest.raises(io.UnsupportedOperation):
        reader.seek(0)


def test_non_seekable_source_into_decrypt_stream(cipher: ContentCipher) -> None:
    out = io.BytesIO()
    n = decrypt_stream(Pipe(encrypt_bytes(RA_CLEAR, cipher)), out, cipher)  # type: ignore[arg-type]
    assert n == RA_SIZE and out.getvalue() == RA_CLEAR


def test_encrypt_stream_from_a_pipe(cipher: ContentCipher) -> None:
    out = io.BytesIO()
    assert encrypt_stream(Pipe(RA_CLEAR, 333), out, cipher) == RA_SIZE
    assert decrypt_bytes(out.getvalue(), cipher) == RA_CLEAR


def test_progress_and_cancel(cipher: ContentCipher) -> None:
    clear = pattern(3 * MiB + 5)
    seen: list[int] = []
    encrypt_stream(io.BytesIO(clear), io.BytesIO(), cipher, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == len(clear)

    polls = iter([False, True])
    with pytest.raises(CancelledError):
        encrypt_stream(io.BytesIO(clear), io.BytesIO(), cipher, cancelled=lambda: next(polls))

    data = encrypt_bytes(clear, cipher)
    seen.clear()
    decrypt_stream(io.BytesIO(data), io.BytesIO(), cipher, progress=seen.append)
    assert seen[-1] == len(clear)
    with pytest.raises(CancelledError):
        decrypt_stream(io.BytesIO(data), io.BytesIO(), cipher, cancelled=lambda: True)


def test_writer_rejects_writes_after_close(cipher: ContentCipher) -> None:
    writer = EncryptingWriter(io.BytesIO(), cipher)
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError):
        writer.write(b"x")


def test_writer_holds_back_less_than_a_page_and_the_last_chunk(cipher: ContentCipher) -> None:
    out = io.BytesIO()
    writer = EncryptingWriter(out, cipher)
    assert out.getvalue() == b""  # the header waits for the first page to fill
    writer.write(b"a" * (CHUNK + 1))
    full = cipher.header_size + cipher.ciphertext_chunk_size
    assert len(out.getvalue()) == full - full % 4096
    writer.flush()  # what is whole goes out; the last, partial chunk stays
    assert len(out.getvalue()) == full
    writer.close()
    assert len(out.getvalue()) == ciphertext_size(CHUNK + 1, cipher.combo)
    assert decrypt_bytes(out.getvalue(), cipher) == b"a" * (CHUNK + 1)


class WriteLog(io.RawIOBase):
    """A sink that keeps what it is given and the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()
        self.sizes: list[int] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.data += data
        self.sizes.append(len(data))
        return len(data)


@pytest.mark.parametrize("size", [0, 1, CHUNK, 4 * CHUNK + 5, 3 * MiB + 7])
def test_writes_end_on_page_boundaries_but_the_last(cipher: ContentCipher, size: int) -> None:
    """The page cache takes whole pages cheaper than pages written in two halves."""
    sink = WriteLog()
    data = pattern(size)
    encrypt_stream(io.BytesIO(data), sink, cipher)
    ends = list(itertools.accumulate(sink.sizes))
    assert all(end % 4096 == 0 for end in ends[:-1])
    assert ends[-1] == ciphertext_size(size, cipher.combo)
    assert decrypt_bytes(bytes(sink.data), cipher) == data


def test_writes_realign_after_a_flush(cipher: ContentCipher) -> None:
    sink = WriteLog()
    writer = EncryptingWriter(sink, cipher)
    writer.write(pattern(CHUNK))
    writer.flush()
    flushed = len(sink.data)
    assert flushed == cipher.header_size + cipher.ciphertext_chunk_size
    writer.write(pattern(40 * CHUNK))
    writer.close()
    ends = list(itertools.accumulate(sink.sizes))
    after = [end for end in ends if end > flushed]
    assert all(end % 4096 == 0 for end in after[:-1])
    assert decrypt_bytes(bytes(sink.data), cipher) == pattern(CHUNK) + pattern(40 * CHUNK)


def test_abort_writes_nothing_held_back(cipher: ContentCipher) -> None:
    sink = WriteLog()
    writer = EncryptingWriter(sink, cipher)
    writer.write(pattern(3 * CHUNK + 10))
    before = bytes(sink.data)
    writer.abort()
    writer.close()
    assert bytes(sink.data) == before
    assert len(before) % 4096 == 0


# --- memory: streaming proof ----------------------------------------------------------

class Source:
    """`total` bytes of cleartext produced on demand, from one reused block."""

    def __init__(self, total: int) -> None:
        self._block = pattern(MiB)
        self._left = total

    def read(self, size: int = -1) -> bytes:
        size = min(size if size >= 0 else MiB, MiB, self._left)
        self._left -= size
        return self._block[:size]


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("combo", COMBOS)
def test_encrypting_64_mib_keeps_memory_flat(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    src, sink = Source(64 * MiB), Sink()
    peak = peak_memory(lambda: encrypt_stream(src, sink, cipher))
    assert sink.count == ciphertext_size(64 * MiB, combo)
    # One read block and one batch of encrypted chunks (about 1 MiB each): flat, not 64.
    assert peak < 4 * MiB, f"peak {peak / MiB:.2f} MiB"


@pytest.mark.parametrize("combo", COMBOS)
def test_decrypting_32_mib_keeps_memory_flat(combo: CipherCombo, tmp_path: Path) -> None:
    cipher = content_cipher(combo, KEY)
    path = tmp_path / "file.c9r"
    with path.open("wb") as f:
        encrypt_stream(Source(32 * MiB), f, cipher)
    sink = Sink()
    with path.open("rb") as f:
        peak = peak_memory(lambda: decrypt_stream(f, sink, cipher))
    assert sink.count == 32 * MiB
    # Reading in 1 MiB steps holds the step's pieces and their join: a few MiB, not 32.
    assert peak < 4 * MiB, f"peak {peak / MiB:.2f} MiB"


@pytest.mark.parametrize("combo", COMBOS)
def test_an_exception_inside_the_writer_block_does_not_complete_the_file(
        combo: CipherCombo) -> None:
    # Regression: leaving `with EncryptingWriter(...)` through an exception used to write
    # the buffered last chunk, making a valid but truncated file.
    cipher = content_cipher(combo, KEY)
    out = io.BytesIO()
    with pytest.raises(RuntimeError), EncryptingWriter(out, cipher) as writer:
        writer.write(b"x" * 100)
        raise RuntimeError("interrupted")
    assert out.getvalue() == b""  # not even the header, which was still held back


@pytest.mark.parametrize("combo", COMBOS)
def test_a_cancelled_stream_writes_no_last_chunk(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    out = io.BytesIO()
    calls = iter([False, True])
    with pytest.raises(CancelledError):
        encrypt_stream(io.BytesIO(b"y" * 1000), out, cipher, cancelled=lambda: next(calls))
    assert out.getvalue() == b""  # the header was still held back: nothing reads as a file
