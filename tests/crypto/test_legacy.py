"""fsspec-encrypted's formats: concatenated Fernet tokens and unauthenticated AES-CBC."""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from vaultui.crypto import legacy
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


def _junk_tokens(size: int) -> bytes:
    """Text that looks like Fernet tokens throughout but holds none: every quad boundary
    is a place where a token could end, which made the search quadratic."""
    other = Fernet(base64.urlsafe_b64encode(bytes(32)))
    # 40 bytes make a 105-byte token: 140 characters without padding, each one a
    # plausible token length, so every repetition is a candidate end.
    token = other.encrypt(b"x" * 40)
    assert len(token) == 140 and not token.endswith(b"=")
    return (token * (size // len(token) + 1))[:size // 4 * 4]


def _work(monkeypatch: pytest.MonkeyPatch, data: bytes) -> int:
    """Bytes decoded plus bytes handed to Fernet while trying to decrypt `data`."""
    work = 0
    real_decode, real_try = legacy._decode, legacy._try

    def decode(text: bytes) -> bytes:
        nonlocal work
        work += len(text)
        return real_decode(text)

    def attempt(fernet: Fernet, token: bytes) -> bytes | None:
        nonlocal work
        work += len(token)
        return real_try(fernet, token)

    monkeypatch.setattr(legacy, "_decode", decode)
    monkeypatch.setattr(legacy, "_try", attempt)
    with contextlib.suppress(LegacyDecryptionError):
        decrypt_fernet(data, KEY)
    monkeypatch.undo()
    return work


@pytest.mark.parametrize("make", [
    _junk_tokens,
    # Genuine tokens of another key: each one's MAC fails, so every boundary is tried.
    lambda size: fernet_file(*[b"y" * 200] * (size // 360 + 1), key=bytes(32))[:size],
], ids=["junk", "other-key"])
def test_fernet_work_is_linear_in_the_input(monkeypatch: pytest.MonkeyPatch,
                                            make: Callable[[int], bytes]) -> None:
    small, big = make(200_000), make(400_000)
    w_small, w_big = _work(monkeypatch, small), _work(monkeypatch, big)
    # Each byte of text is decoded at most once (quadratic search: ~1000x the input).
    assert w_small <= 2 * len(small)
    assert w_big <= 2 * len(big)
    assert w_big <= 2.2 * w_small + 1000


def test_fernet_many_tokens_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [os.urandom(n % 300) for n in range(2000)]
    data = fernet_file(*parts)
    assert decrypt_fernet(data, KEY) == b"".join(parts)
    # Decoded once while searching, once more by Fernet on the match.
    assert _work(monkeypatch, data) <= 2 * len(data) + 1000
