"""Tampering: every modification of a stored file or name fails with one opaque error."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.crypto.helpers import CHUNK, COMBOS, Pipe, fixed_key, flip, pattern
from vaultui.crypto import (
    AuthenticationError,
    CipherCombo,
    ContentCipher,
    DecryptingReader,
    FormatError,
    NameCipher,
    content_cipher,
)
from vaultui.crypto.sizes import is_valid_ciphertext_size
from vaultui.crypto.stream import encrypt_bytes

KEY = fixed_key()
OPAQUE = str(AuthenticationError())
VaultErrorTypes = (AuthenticationError, FormatError)

#: Three full chunks and a short one; and a file that ends on a chunk boundary.
PARTIAL = pattern(3 * CHUNK + 1000, seed=1)
FULL = pattern(3 * CHUNK, seed=2)


def encrypted(combo: CipherCombo, clear: bytes) -> bytes:
    return encrypt_bytes(clear, content_cipher(combo, KEY))


FILES = {(c, name): encrypted(c, clear) for c in COMBOS
         for name, clear in (("partial", PARTIAL), ("full", FULL))}
#: The same cleartext encrypted again: another file of the same vault.
OTHER = {(c, name): encrypted(c, clear) for c in COMBOS
         for name, clear in (("partial", PARTIAL), ("full", FULL))}

Tamper = Callable[[bytes, bytes, ContentCipher], bytes]


def chunk_at(c: ContentCipher, i: int) -> int:
    return c.header_size + i * c.ciphertext_chunk_size


def last_chunk(d: bytes, c: ContentCipher) -> int:
    return (len(d) - c.header_size - 1) // c.ciphertext_chunk_size


def swap_chunks(d: bytes, c: ContentCipher, i: int, j: int) -> bytes:
    a, b = sorted((i, j))
    s = c.ciphertext_chunk_size
    ca, cb = d[chunk_at(c, a):chunk_at(c, a) + s], d[chunk_at(c, b):chunk_at(c, b) + s]
    return d[:chunk_at(c, a)] + cb + d[chunk_at(c, a) + s:chunk_at(c, b)] + ca \
        + d[chunk_at(c, b) + s:]


def transplant(d: bytes, o: bytes, c: ContentCipher, i: int) -> bytes:
    s = chunk_at(c, i)
    e = s + c.ciphertext_chunk_size
    return d[:s] + o[s:e] + d[e:]


TAMPERS: dict[str, Tamper] = {
    "header nonce, first bit": lambda d, o, c: flip(d, 0),
    "header nonce, last byte": lambda d, o, c: flip(d, c.layout.header_nonce_size - 1, 7),
    "header payload, reserved field": lambda d, o, c: flip(d, c.layout.header_nonce_size + 1),
    "header payload, content key": lambda d, o, c: flip(d, c.layout.header_nonce_size + 20),
    "header tag": lambda d, o, c: flip(d, c.header_size - 1),
    "header of another file": lambda d, o, c: o[:c.header_size] + d[c.header_size:],
    "chunk nonce": lambda d, o, c: flip(d, chunk_at(c, 1) + 3),
    "chunk ciphertext": lambda d, o, c: flip(d, chunk_at(c, 1) + c.nonce_size + 500, 4),
    "chunk tag": lambda d, o, c: flip(d, chunk_at(c, 2) - 1),
    "last chunk ciphertext": lambda d, o, c: flip(d, len(d) - c.tag_size - 1),
    "last chunk tag": lambda d, o, c: flip(d, len(d) - 1, 7),
    "swap chunks 0 and 1": lambda d, o, c: swap_chunks(d, c, 0, 1),
    "swap chunks 0 and 2": lambda d, o, c: swap_chunks(d, c, 0, 2),
    "chunk moved from another file": lambda d, o, c: transplant(d, o, c, 1),
    "first chunk moved from another file": lambda d, o, c: transplant(d, o, c, 0),
    "last chunk moved from another file": lambda d, o, c: (
        d[:chunk_at(c, last_chunk(d, c))] + o[chunk_at(c, last_chunk(o, c)):]),
    "chunk duplicated over the next": lambda d, o, c: (
        d[:chunk_at(c, 1)] + d[chunk_at(c, 0):chunk_at(c, 1)] + d[chunk_at(c, 2):]),
    "truncated inside the last chunk": lambda d, o, c: d[:-10],
    "truncated inside a middle chunk": lambda d, o, c: d[:chunk_at(c, 1) + 500],
    "truncated to nonce and tag size": lambda d, o, c: d[:chunk_at(c, 1) + c.chunk_overhead],
    "truncated to a byte past a chunk": lambda d, o, c: d[:chunk_at(c, 1) + 1],
    "truncated inside the header": lambda d, o, c: d[:c.header_size - 1],
    "appended 1 byte": lambda d, o, c: d + b"\x00",
    "appended 100 bytes": lambda d, o, c: d + bytes(range(100)),
    "appended a whole chunk of garbage": lambda d, o, c: d + b"\xa5" * c.ciphertext_chunk_size,
    "appended a chunk of another file": lambda d, o, c: d + o[chunk_at(c, 0):chunk_at(c, 1)],
    "appended the same file's first chunk": lambda d, o, c: d + d[chunk_at(c, 0):chunk_at(c, 1)],
}


def read_all(data: bytes, cipher: ContentCipher, seekable: bool) -> bytes:
    src = io.BytesIO(data) if seekable else Pipe(data, 5000)
    return DecryptingReader(src, cipher).read()  # type: ignore[arg-type]


def expected_error(data: bytes, cipher: ContentCipher, seekable: bool) -> type[Exception]:
    if len(data) < cipher.header_size:
        return FormatError
    if seekable and not is_valid_ciphertext_size(len(data), cipher.combo):
        # The size alone shows the file is impossible; said before any decryption.
        return FormatError
    return AuthenticationError


@pytest.mark.parametrize("what", list(TAMPERS))
@pytest.mark.parametrize("shape", ["partial", "full"])
@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "pipe"])
def test_tampering_is_detected(combo: CipherCombo, shape: str, what: str,
                               seekable: bool) -> None:
    cipher = content_cipher(combo, KEY)
    original = FILES[combo, shape]
    assert read_all(original, cipher, seekable) == (PARTIAL if shape == "partial" else FULL)
    tampered = TAMPERS[what](original, OTHER[combo, shape], cipher)
    assert tampered != original
    want = expected_error(tampered, cipher, seekable)
    with pytest.raises(VaultErrorTypes) as info:
        read_all(tampered, cipher, seekable)
    assert type(info.value) is want
    if want is AuthenticationError:
        assert str(info.value) == OPAQUE



@pytest.mark.parametrize("combo", COMBOS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_bit_is_authenticated(combo: CipherCombo, data: st.DataObject) -> None:
    """Flip any one bit of a two-chunk file: reading it always fails, never returns data."""
    cipher = content_cipher(combo, KEY)
    stored = encrypted(combo, PARTIAL[:CHUNK + 10])
    pos = data.draw(st.integers(0, len(stored) - 1))
    bit = data.draw(st.integers(0, 7))
    with pytest.raises(AuthenticationError) as info:
        read_all(flip(stored, pos, bit), cipher, seekable=data.draw(st.booleans()))
    assert type(info.value) is AuthenticationError and str(info.value) == OPAQUE


def test_tampered_chunk_fails_under_random_access_too(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    stored = flip(FILES[combo, "partial"], chunk_at(cipher, 2) + 100)
    reader = DecryptingReader(io.BytesIO(stored), cipher)
    reader.seek(CHUNK)
    assert reader.read(10) == PARTIAL[CHUNK:CHUNK + 10]  # untouched chunk 1 still reads
    reader.seek(2 * CHUNK + 5)
    with pytest.raises(AuthenticationError):
        reader.read(10)


# --- what format 8 cannot detect --------------------------------------------------------

@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "pipe"])
@pytest.mark.parametrize("dropped", [1, 2, 3])
def test_dropping_whole_trailing_chunks_is_not_detected(combo: CipherCombo, seekable: bool,
                                                        dropped: int) -> None:
    """Format 8 has no last-chunk flag and no size in the header, so a file cut at a chunk
    boundary decrypts as a shorter, valid file. This pins down the current behaviour; see
    docs/FORMAT.md, "What format 8 does not protect". Callers that know the expected size
    from elsewhere can pass it (next test)."""
    cipher = content_cipher(combo, KEY)
    stored = FILES[combo, "full"]
    kept = 3 - dropped
    cut = stored[:chunk_at(cipher, kept)]
    assert read_all(cut, cipher, seekable) == FULL[:kept * CHUNK]


def test_truncation_is_detected_when_the_size_comes_from_elsewhere(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    stored = FILES[combo, "full"]
    cut = stored[:chunk_at(cipher, 2)]
    reader = DecryptingReader(Pipe(cut), cipher, ciphertext_size=len(stored))  # type: ignore[arg-type]
    with pytest.raises(AuthenticationError):
        reader.read()


# --- names ------------------------------------------------------------------------------

DIR_A = "0f8a3b52-3c3a-4c8e-9a8f-1d2e3f405162"
DIR_B = "9e3b2c1d-7a6f-4e5d-8c9b-0a1b2c3d4e5f"


@pytest.mark.parametrize(("enc_dir", "dec_dir"), [(DIR_A, DIR_B), ("", DIR_A), (DIR_A, "")])
def test_name_moved_to_another_directory_fails(enc_dir: str, dec_dir: str) -> None:
    names = NameCipher(KEY)
    encrypted_name = names.encrypt_name("report.pdf", enc_dir)
    assert names.decrypt_name(encrypted_name, enc_dir) == "report.pdf"
    with pytest.raises(AuthenticationError) as info:
        names.decrypt_name(encrypted_name, dec_dir)
    assert str(info.value) == OPAQUE


def test_name_of_another_vault_fails() -> None:
    encrypted_name = NameCipher(fixed_key("other")).encrypt_name("report.pdf", DIR_A)
    with pytest.raises(AuthenticationError):
        NameCipher(KEY).decrypt_name(encrypted_name, DIR_A)


@settings(max_examples=100, deadline=None)
@given(pos=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_any_flipped_bit_in_a_name_fails(pos: int, bit: int) -> None:
    names = NameCipher(KEY)
    sealed = base64.urlsafe_b64decode(names.encrypt_name("a fairly ordinary name.txt", DIR_A))
    tampered = base64.urlsafe_b64encode(flip(sealed, pos % len(sealed), bit)).decode()
    with pytest.raises(AuthenticationError):
        names.decrypt_name(tampered, DIR_A)
