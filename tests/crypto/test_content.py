"""File headers and chunks of both cipher combos."""

from __future__ import annotations

import pytest

from tests.crypto.helpers import CHUNK, DeterministicRandom, fixed_key, pattern
from vaultui.crypto import (
    AuthenticationError,
    CipherCombo,
    ContentCipher,
    FormatError,
    Masterkey,
    content_cipher,
)
from vaultui.crypto.content import CtrMacContentCipher, GcmContentCipher
from vaultui.crypto.stream import decrypt_bytes, encrypt_bytes

SIZES = [0, 1, 32767, 32768, 32769, 3 * 1024 * 1024 + 5]


def test_factory_picks_the_combo(masterkey: Masterkey) -> None:
    assert isinstance(content_cipher(CipherCombo.SIV_GCM, masterkey), GcmContentCipher)
    assert isinstance(content_cipher(CipherCombo.SIV_CTRMAC, masterkey), CtrMacContentCipher)


@pytest.mark.parametrize(("combo", "size"), [(CipherCombo.SIV_GCM, 68),
                                             (CipherCombo.SIV_CTRMAC, 88)])
def test_header_round_trip(combo: CipherCombo, size: int, masterkey: Masterkey) -> None:
    cipher = content_cipher(combo, masterkey)
    header = cipher.new_header()
    data = cipher.encrypt_header(header)
    assert len(data) == size == cipher.header_size
    back = cipher.decrypt_header(data)
    assert (back.nonce, back.content_key) == (header.nonce, header.content_key)
    assert data[:len(header.nonce)] == header.nonce


def test_headers_are_fresh(cipher: ContentCipher) -> None:
    a, b = cipher.new_header(), cipher.new_header()
    assert a.nonce != b.nonce and a.content_key != b.content_key


def test_header_of_another_vault_does_not_decrypt(combo: CipherCombo) -> None:
    ours = content_cipher(combo, fixed_key("a"))
    theirs = content_cipher(combo, fixed_key("b"))
    with pytest.raises(AuthenticationError):
        theirs.decrypt_header(ours.encrypt_header(ours.new_header()))


def test_header_of_wrong_length_is_a_format_error(cipher: ContentCipher) -> None:
    data = cipher.encrypt_header(cipher.new_header())
    for bad in (data[:-1], data + b"\x00", b""):
        with pytest.raises(FormatError):
            cipher.decrypt_header(bad)


@pytest.mark.parametrize("n", [1, 100, CHUNK])
def test_chunk_round_trip(cipher: ContentCipher, n: int) -> None:
    header = cipher.new_header()
    clear = pattern(n)
    data = cipher.encrypt_chunk(header, 5, clear)
    assert len(data) == n + cipher.chunk_overhead
    assert cipher.decrypt_chunk(header, 5, data) == clear
    assert cipher.decrypt_chunk(header, 5, memoryview(data)) == clear


def test_chunk_is_bound_to_its_index(cipher: ContentCipher) -> None:
    header = cipher.new_header()
    data = cipher.encrypt_chunk(header, 0, b"chunk zero")
    for other in (1, 2**32, 2**63):
        with pytest.raises(AuthenticationError):
            cipher.decrypt_chunk(header, other, data)


def test_chunk_is_bound_to_its_file(cipher: ContentCipher) -> None:
    a, b = cipher.new_header(), cipher.new_header()
    data = cipher.encrypt_chunk(a, 0, b"from file a")
    with pytest.raises(AuthenticationError):
        cipher.decrypt_chunk(b, 0, data)
    # Same content key, other header nonce (a header as a writer would store it): still
    # bound to the file through the nonce.
    same_key = cipher.decrypt_header(cipher.encrypt_header(type(a)(b.nonce, a.content_key)))
    assert same_key.content_key == a.content_key
    with pytest.raises(AuthenticationError):
        cipher.decrypt_chunk(same_key, 0, data)


def test_injected_chunk_nonce_is_used(cipher: ContentCipher) -> None:
    header = cipher.new_header()
    nonce = bytes(range(cipher.nonce_size))
    data = cipher.encrypt_chunk(header, 0, b"x", nonce=nonce)
    assert data[:cipher.nonce_size] == nonce
    assert data == cipher.encrypt_chunk(header, 0, b"x", nonce=nonce)


def test_chunk_nonces_are_fresh(cipher: ContentCipher) -> None:
    header = cipher.new_header()
    assert cipher.encrypt_chunk(header, 0, b"x") != cipher.encrypt_chunk(header, 0, b"x")


def test_chunks_too_short_to_hold_data_fail_authentication(cipher: ContentCipher) -> None:
    header = cipher.new_header()
    for length in (0, 1, cipher.nonce_size, cipher.chunk_overhead - 1, cipher.chunk_overhead):
        with pytest.raises(AuthenticationError):
            cipher.decrypt_chunk(header, 0, b"\x00" * length)


def test_oversized_chunk_fails_authentication(cipher: ContentCipher) -> None:
    header = cipher.new_header()
    data = cipher.encrypt_chunk(header, 0, pattern(CHUNK))
    with pytest.raises(AuthenticationError):
        cipher.decrypt_chunk(header, 0, data + b"\x00")


def test_randomness_is_injectable(combo: CipherCombo) -> None:
    """Same injected randomness, same bytes: the basis of the known-answer vectors."""
    key = fixed_key()
    a = encrypt_bytes(b"hello", content_cipher(combo, key, DeterministicRandom("r")))
    b = encrypt_bytes(b"hello", content_cipher(combo, key, DeterministicRandom("r")))
    c = encrypt_bytes(b"hello", content_cipher(combo, key, DeterministicRandom("s")))
    assert a == b != c


@pytest.mark.parametrize("size", SIZES)
def test_file_round_trip(cipher: ContentCipher, size: int) -> None:
    clear = pattern(size, seed=size)
    data = encrypt_bytes(clear, cipher)
    assert decrypt_bytes(data, cipher) == clear


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_encrypt_bytes_writes_what_the_stream_writes(combo: CipherCombo, size: int) -> None:
    """The one-piece encryption of small files is byte for byte the streaming writer's."""
    import io

    from vaultui.crypto.stream import EncryptingWriter

    clear = pattern(size, seed=size)
    key = fixed_key()
    out = io.BytesIO()
    with EncryptingWriter(out, content_cipher(combo, key, DeterministicRandom("w"))) as w:
        w.write(clear)
    assert encrypt_bytes(clear, content_cipher(combo, key, DeterministicRandom("w"))) == \
        out.getvalue()
