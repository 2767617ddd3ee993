"""SivBatch against cryptography's AESSIV: same plaintexts, same rejections."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultui.crypto.sivbatch import BLOCK, SivBatch

keys = st.binary(min_size=64, max_size=64)
associated = st.one_of(st.binary(max_size=36), st.uuids().map(lambda u: str(u).encode()))


def reference(key: bytes, ad: bytes, sealed: list[bytes]) -> list[bytes | None]:
    siv = AESSIV(key)
    out: list[bytes | None] = []
    for one in sealed:
        try:
            out.append(siv.decrypt(one, [ad]))
        except InvalidTag:
            out.append(None)
    return out


@st.composite
def batches(draw: st.DrawFn) -> tuple[bytes, bytes, list[bytes], list[bytes]]:
    """A key, associated data, plaintexts of one length, and their sealed forms, some
    tampered with (a flipped bit, swapped tags, sealed under other associated data)."""
    key, ad = draw(keys), draw(associated)
    n = draw(st.integers(1, 80))
    plain = draw(st.lists(st.binary(min_size=n, max_size=n), min_size=1, max_size=40))
    siv = AESSIV(key)
    sealed = [siv.encrypt(p, [ad]) for p in plain]
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(sealed) - 1))
        how = draw(st.sampled_from(["bit", "swap tags", "other ad"]))
        if how == "bit":
            bit = draw(st.integers(0, 8 * len(sealed[i]) - 1))
            flipped = bytearray(sealed[i])
            flipped[bit // 8] ^= 1 << bit % 8
            sealed[i] = bytes(flipped)
        elif how == "swap tags":
            j = draw(st.integers(0, len(sealed) - 1))
            sealed[i], sealed[j] = sealed[j][:BLOCK] + sealed[i][BLOCK:], \
                sealed[i][:BLOCK] + sealed[j][BLOCK:]
        else:
            sealed[i] = siv.encrypt(plain[i], [ad + b"x"])
    return key, ad, plain, sealed


@settings(max_examples=300, deadline=None)
@given(batch=batches())
def test_answers_as_aessiv(batch: tuple[bytes, bytes, list[bytes], list[bytes]]) -> None:
    key, ad, plain, sealed = batch
    expected = reference(key, ad, sealed)
    assert SivBatch(key, ad).decrypt(sealed) == expected
    assert all(e in (p, None) for p, e in zip(plain, expected, strict=True))


@pytest.mark.parametrize("n", range(1, 2 * BLOCK * 3 + 2))
def test_every_length_up_to_six_blocks(n: int) -> None:
    key, ad = bytes(range(64)), b"6b1f8a64-0d53-4b7e-9a66-2f0a4e8b7c11"
    plain = [bytes([i]) * n for i in range(40)]
    sealed = [AESSIV(key).encrypt(p, [ad]) for p in plain]
    assert SivBatch(key, ad).decrypt(sealed) == plain
    forged = [s[:-1] + bytes([s[-1] ^ 0x80]) if i % 3 == 0 else s for i, s in enumerate(sealed)]
    assert SivBatch(key, ad).decrypt(forged) == [None if i % 3 == 0 else p
                                                 for i, p in enumerate(plain)]
    assert SivBatch(key, ad + b"!").decrypt(sealed) == [None] * len(plain)


@pytest.mark.parametrize("low_word", [0x00000000, 0x7FFFFFFE, 0x7FFFFFFF, 0xFFFFFFFF])
def test_keystream_counts_as_aes_ctr(low_word: int) -> None:
    """The counter of every block is the row's SIV with bits 63 and 31 cleared, plus the
    block number, as AES-CTR counts: also where the low 32 bits are about to overflow."""
    key = bytes(range(64))
    tags = [bytes([0xFF] * 12) + low_word.to_bytes(4, "big"), bytes(range(16))]
    width = 4 * BLOCK
    batch = SivBatch(key, b"")
    stream = batch._keystream(b"".join(tags), len(tags), width).to_bytes(
        len(tags) * width, "big")
    for i, tag in enumerate(tags):
        q = int.from_bytes(tag, "big") & ~((1 << 63) | (1 << 31))
        ctr = Cipher(algorithms.AES(key[32:]), modes.CTR(q.to_bytes(16, "big"))).encryptor()
        assert stream[i * width:(i + 1) * width] == ctr.update(bytes(width))


def test_malformed_batches() -> None:
    batch = SivBatch(bytes(64), b"")
    assert batch.decrypt([]) == []
    with pytest.raises(ValueError, match="one length"):
        batch.decrypt([bytes(20), bytes(21)])
    with pytest.raises(ValueError, match="above 16"):
        batch.decrypt([bytes(16)])
    with pytest.raises(ValueError, match="64-byte"):
        SivBatch(bytes(32), b"")
    assert "redacted" in repr(batch)
