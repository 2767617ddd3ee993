"""fsspec-encrypted's formats: concatenated Fernet tokens and unauthenticated AES-CBC."""

from __future__ import annotations

import base64
import itertools
import os

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from vaultui.crypto.errors import FormatError
from vaultui.crypto.legacy import (
    CbcDecryptor,
    LegacyDecryptionError,
    LegacyFormat,
    decrypt_cbc,
    decrypt_fernet,
    detect_format,
    legacy_key,
)

KEY = bytes(range(32))


def fernet_file(*parts: bytes, key: bytes = KEY) -> bytes:
    f = Fernet(base64.urlsafe_b64encode(key))
    return b"".join(f.encrypt(p) for p in parts)


def cbc_file(plain: bytes, key: bytes = KEY) -> bytes:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()


# Lengths that give tokens ending in "==", "=" and no padding, plus empty and multi-block.
LENGTHS = [0, 5, 15, 16, 20, 31, 32, 40, 47, 48, 100, 1000]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(LENGTHS, repeat=2)))
def test_two_concatenated_tokens_decode_exactly(a: int, b: int) -> None:
    pa, pb = os.urandom(a), os.urandom(b)
    assert decrypt_fernet(fernet_file(pa, pb), KEY) == pa + pb


def test_many_tokens_and_a_lookalike_inside_the_ciphertext() -> None:
    parts = [os.urandom(n) for n in (7, 33, 0, 64, 2, 500)]
    assert decrypt_fernet(fernet_file(*parts), KEY) == b"".join(parts)
    assert decrypt_fernet(b"", KEY) == b""


def test_fernet_wrong_key_or_damage() -> None:
    data = fernet_file(b"hello", b"world")
    with pytest.raises(LegacyDecryptionError):
        decrypt_fernet(data, bytes(32))
    damaged = bytearray(data)
    damaged[50] = ord("A") if damaged[50] != ord("A") else ord("B")
    with pytest.raises(LegacyDecryptionError):
        decrypt_fernet(bytes(damaged), KEY)
    with pytest.raises(LegacyDecryptionError):
        decrypt_fernet(data[:-4], KEY)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 100_000])
def test_cbc_round_trip_and_streaming(size: int) -> None:
    plain = os.urandom(size)
    data = cbc_file(plain)
    assert decrypt_cbc(data, KEY) == plain
    dec = CbcDecryptor(KEY)
    out = b"".join(dec.update(data[i:i + 7]) for i in range(0, len(data), 7))
    assert out + dec.finalize() == plain


def test_cbc_wrong_key_shows_as_bad_padding_usually() -> None:
    failures = 0
    for _ in range(20):
        try:
            decrypt_cbc(cbc_file(b"secret data"), os.urandom(32))
        except LegacyDecryptionError:
            failures += 1
    assert failures >= 15  # 1 in ~256 wrong keys still unpads: CBC has no authentication


def test_cbc_bad_lengths() -> None:
    with pytest.raises(LegacyDecryptionError):
        decrypt_cbc(os.urandom(16), KEY)
    with pytest.raises(LegacyDecryptionError):
        decrypt_cbc(os.urandom(40), KEY)


def test_detect_format() -> None:
    assert detect_format(fernet_file(b"x")[:64]) is LegacyFormat.FERNET
    assert detect_format(cbc_file(b"x")[:64]) is LegacyFormat.CBC
    assert detect_format(b"gAAAAA\x00binary") is LegacyFormat.CBC


def test_keys_in_either_base64_alphabet() -> None:
    assert legacy_key(base64.b64encode(KEY).decode()) == KEY
    assert legacy_key(base64.urlsafe_b64encode(KEY).decode()) == KEY
    with pytest.raises(FormatError):
        legacy_key("not base64 at all!")
    with pytest.raises(FormatError):
        legacy_key(base64.b64encode(b"short").decode())
