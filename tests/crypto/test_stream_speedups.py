"""Self-check for the streaming hot paths: round trips at chunk boundaries, tampering detected.

The engine's chunk loops are tuned for speed (buffers reused, chunks encrypted in place);
these cases pin down that the bytes on storage and the failure on tampering stay the same.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from typing import BinaryIO, cast

import pytest

from vaultui.crypto import AuthenticationError, CipherCombo, Masterkey, content_cipher
from vaultui.crypto.content import ContentCipher
from vaultui.crypto.sizes import ciphertext_size
from vaultui.crypto.stream import (
    DecryptingReader,
    EncryptingWriter,
    decrypt_bytes,
    decrypt_stream,
    encrypt_bytes,
    encrypt_stream,
)

SIZES = [0, 1, 32767, 32768, 32769, 5 * 1024 * 1024]
COMBOS = [CipherCombo.SIV_GCM, CipherCombo.SIV_CTRMAC]


def _binary(source: io.RawIOBase | io.BytesIO) -> BinaryIO:
    """A raw stream where the API takes a binary file: it only reads and readintos."""
    return cast(BinaryIO, source)


class _Trickle(io.RawIOBase):
    """A source that returns at most `step` bytes per read, like a socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self._data)
        end = self._pos + min(size, self._step)
        part = bytes(self._data[self._pos:end])
        self._pos += len(part)
        return part


class _ShortReadinto(io.RawIOBase):
    """A source whose readinto fills at most `step` bytes per call, like a socket's."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._step, len(self._data) - self._pos)
        memoryview(buffer)[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n


def _cipher(combo: CipherCombo) -> ContentCipher:
    return content_cipher(combo, Masterkey.generate())


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
@pytest.mark.parametrize("size", SIZES)
def test_stream_round_trip(combo: CipherCombo, size: int) -> None:
    cipher = _cipher(combo)
    data = os.urandom(size)
    encrypted = io.BytesIO()
    assert encrypt_stream(io.BytesIO(data), encrypted, cipher) == size
    assert len(encrypted.getvalue()) == ciphertext_size(size, combo)

    decrypted = io.BytesIO()
    encrypted.seek(0)
    assert decrypt_stream(encrypted, decrypted, cipher,
                          ciphertext_size=len(encrypted.getvalue())) == size
    assert decrypted.getvalue() == data
    # Without a known size (a non-seekable source) the result is the same.
    decrypted = io.BytesIO()
    trickle = _binary(_Trickle(encrypted.getvalue(), 1 << 20))
    assert decrypt_stream(trickle, decrypted, cipher) == size
    assert decrypted.getvalue() == data
    assert decrypt_bytes(encrypt_bytes(data, cipher), cipher) == data
    # Sources that fill the stream's buffer a little at a time give the same file.
    for source in (_Trickle(data, 5000), _ShortReadinto(data, 5000)):
        again = io.BytesIO()
        assert encrypt_stream(source, again, cipher) == size
        assert decrypt_bytes(again.getvalue(), cipher) == data
        trickled = io.BytesIO()
        short = _binary(_ShortReadinto(again.getvalue(), 7000))
        assert decrypt_stream(short, trickled, cipher) == size
        assert trickled.getvalue() == data


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_writer_and_reader_in_odd_pieces(combo: CipherCombo) -> None:
    cipher = _cipher(combo)
    data = os.urandom(3 * 32768 + 123)
    out = io.BytesIO()
    writer = EncryptingWriter(out, cipher)
    pos = 0
    for step in (1, 32767, 5, 70000, 13, 1 << 20):
        writer.write(memoryview(data)[pos:pos + step])
        pos = min(pos + step, len(data))
    writer.close()
    assert len(out.getvalue()) == ciphertext_size(len(data), combo)

    reader = DecryptingReader(io.BytesIO(out.getvalue()), cipher)
    assert reader.read(10) == data[:10]
    reader.seek(32760)
    assert reader.read(20) == data[32760:32780]
    buffer = bytearray(40000)
    assert reader.readinto(buffer) == 40000
    assert bytes(buffer) == data[32780:72780]
    assert reader.read() == data[72780:]
    # A source short of bytes is read a few bytes at a time and still joins up.
    assert decrypt_bytes(out.getvalue(), cipher) == data
    trickled = io.BytesIO()
    decrypt_stream(_binary(_Trickle(out.getvalue(), 1000)), trickled, cipher)
    assert trickled.getvalue() == data


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
@pytest.mark.parametrize("size", [1, 32768, 32769, 5 * 1024 * 1024])
def test_flipped_byte_fails_authentication(combo: CipherCombo, size: int) -> None:
    cipher = _cipher(combo)
    encrypted = bytearray(encrypt_bytes(os.urandom(size), cipher))
    # One byte in the header, in the first chunk and in the last chunk.
    for where in (5, cipher.header_size + 20, len(encrypted) - 1):
        tampered = bytearray(encrypted)
        tampered[where] ^= 0x01
        with pytest.raises(AuthenticationError):
            decrypt_stream(io.BytesIO(tampered), io.BytesIO(), cipher,
                           ciphertext_size=len(tampered))
        with pytest.raises(AuthenticationError):
            decrypt_bytes(bytes(tampered), cipher)


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_truncated_or_extended_file_fails(combo: CipherCombo) -> None:
    cipher = _cipher(combo)
    encrypted = encrypt_bytes(os.urandom(2 * 32768 + 7), cipher)
    # The whole last chunk is missing while the storage reports the full size.
    cut = encrypted[: cipher.header_size + 2 * cipher.ciphertext_chunk_size]
    with pytest.raises(AuthenticationError):
        decrypt_stream(io.BytesIO(cut), io.BytesIO(), cipher,
                       ciphertext_size=len(encrypted))
    # Bytes after a short (final) chunk mean the file was altered.
    with pytest.raises(AuthenticationError):
        decrypt_stream(_binary(_Trickle(encrypted + b"x" * 100, 1 << 20)), io.BytesIO(), cipher)


#: SHA-256 of the ciphertext of `_known_answer`'s input, written by the engine before its
#: chunk loops were tuned: the tuned loops must produce the same bytes.
KNOWN_ANSWERS = {
    CipherCombo.SIV_GCM: "21b950c14d59d36b1ce3156f64c615ab631428febe025cf44ab7056786a0bf6c",
    CipherCombo.SIV_CTRMAC: "bb38820ca6ba8850cca8f60f1c0719820632ed4240fdb81ea1e1e7a12eb2b71e",
}


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_ciphertext_bytes_unchanged(combo: CipherCombo) -> None:
    rng = random.Random(8)  # keys and nonces from a seeded source, so the output is fixed
    cipher = content_cipher(combo, Masterkey.generate(rng.randbytes), rng.randbytes)
    data = random.Random(1).randbytes(3 * 32768 + 1000)
    encrypted = encrypt_bytes(data, cipher)
    assert hashlib.sha256(encrypted).hexdigest() == KNOWN_ANSWERS[combo]
    assert decrypt_bytes(encrypted, cipher) == data


class _KeepingSink:
    """A writer that is no io object and keeps every object it is given."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(data)
        return len(data)


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_writer_that_keeps_its_input_gets_stable_bytes(combo: CipherCombo) -> None:
    cipher = _cipher(combo)
    data = os.urandom(3 * 1024 * 1024 + 5)
    encrypted = _KeepingSink()
    encrypt_stream(io.BytesIO(data), encrypted, cipher)
    assert all(type(part) is bytes for part in encrypted.parts)
    joined = b"".join(encrypted.parts)
    assert len(joined) == ciphertext_size(len(data), combo)
    decrypted = _KeepingSink()
    decrypt_stream(io.BytesIO(joined), decrypted, cipher)
    assert all(type(part) is bytes for part in decrypted.parts)
    assert b"".join(decrypted.parts) == data


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_failed_chunk_leaves_no_cleartext_in_the_buffer(combo: CipherCombo) -> None:
    cipher = _cipher(combo)
    data = os.urandom(4 * 32768)
    tampered = bytearray(encrypt_bytes(data, cipher))
    tampered[cipher.header_size + 2 * cipher.ciphertext_chunk_size + 100] ^= 0x80
    reader = DecryptingReader(io.BytesIO(bytes(tampered)), cipher)
    buffer = bytearray(len(data))
    with pytest.raises(AuthenticationError):
        reader.readinto(buffer)
    assert not any(buffer[2 * 32768:])  # nothing of the altered chunk or after it
    assert reader.tell() == 2 * 32768


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
@pytest.mark.parametrize("size", [32768, 2 * 32768, 2 * 32768 + 1, 40 * 32768 + 9])
def test_readinto_matches_read(combo: CipherCombo, size: int) -> None:
    cipher = _cipher(combo)
    data = os.urandom(size)
    encrypted = encrypt_bytes(data, cipher)
    for source in (io.BytesIO(encrypted), _Trickle(encrypted, 5000)):
        reader = DecryptingReader(_binary(source), cipher)
        got = bytearray()
        buffer = bytearray(3 * 32768 + 11)  # whole chunks and then part of one
        while n := reader.readinto(buffer):
            got += buffer[:n]
        assert got == data
        assert reader.read() == b""
        assert reader.readinto(buffer) == 0


def test_writer_behind_a_buffered_writer() -> None:
    cipher = _cipher(CipherCombo.SIV_GCM)
    data = os.urandom(200_001)
    out = io.BytesIO()
    raw = cast(io.RawIOBase, EncryptingWriter(out, cipher))  # a writable raw stream
    with io.BufferedWriter(raw, buffer_size=8192) as writer:
        for start in range(0, len(data), 7000):
            writer.write(data[start:start + 7000])
    assert decrypt_bytes(out.getvalue(), cipher) == data


def test_without_encrypt_into(monkeypatch: pytest.MonkeyPatch) -> None:
    """cryptography releases without AESGCM.encrypt_into take the copying path, same bytes."""
    from vaultui.crypto import content

    rng = random.Random(8)
    cipher = content_cipher(CipherCombo.SIV_GCM, Masterkey.generate(rng.randbytes),
                            rng.randbytes)
    data = random.Random(1).randbytes(3 * 32768 + 1000)
    monkeypatch.setattr(content, "_GCM_INTO", False)
    encrypted = encrypt_bytes(data, cipher)
    assert hashlib.sha256(encrypted).hexdigest() == KNOWN_ANSWERS[CipherCombo.SIV_GCM]
    assert decrypt_bytes(encrypted, cipher) == data
    tampered = bytearray(encrypted)
    tampered[-1] ^= 1
    with pytest.raises(AuthenticationError):
        decrypt_bytes(bytes(tampered), cipher)


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
@pytest.mark.parametrize("room", [0, 1, 15, 16, 1000])
def test_chunk_decrypts_into_a_buffer_of_any_room(combo: CipherCombo, room: int) -> None:
    """A chunk fits a buffer of exactly its size, or one with room to spare, alike."""
    cipher = _cipher(combo)
    header = cipher.new_header()
    cleartext = os.urandom(1000)
    chunk = cipher.encrypt_chunk(header, 3, cleartext)
    out = bytearray(len(cleartext) + room)
    assert cipher.decrypt_chunk_into(header, 3, chunk, memoryview(out)) == len(cleartext)
    assert bytes(out[:len(cleartext)]) == cleartext
    with pytest.raises(AuthenticationError):
        cipher.decrypt_chunk_into(header, 4, chunk, memoryview(out))  # moved chunk


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.value)
def test_batch_encrypt_matches_chunk_by_chunk(combo: CipherCombo) -> None:
    """Encrypting a batch gives what encrypting its chunks one by one with the same nonces does."""
    rng = random.Random(5)
    cipher = content_cipher(combo, Masterkey.generate(rng.randbytes), rng.randbytes)
    header = cipher.new_header()
    data = random.Random(2).randbytes(3 * 32768 + 77)
    out = bytearray(ciphertext_size(len(data), combo))
    state = rng.getstate()
    filled = cipher.encrypt_chunks_into(header, 7, memoryview(data), memoryview(out))
    rng.setstate(state)
    one_by_one = b"".join(
        cipher.encrypt_chunk(header, 7 + i, data[start:start + 32768])
        for i, start in enumerate(range(0, len(data), 32768)))
    assert filled == len(out) - cipher.header_size
    assert bytes(out[:filled]) == one_by_one
