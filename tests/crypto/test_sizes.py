"""Size arithmetic: exact figures from the format, inverses, impossible sizes, chunk spans."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto.helpers import COMBOS, fixed_key, pattern
from vaultui.crypto import CipherCombo, FormatError, content_cipher
from vaultui.crypto.sizes import (
    LAYOUTS,
    chunk_count,
    chunk_span,
    ciphertext_size,
    cleartext_size,
    is_valid_ciphertext_size,
)
from vaultui.crypto.stream import encrypt_bytes

GCM = CipherCombo.SIV_GCM
CTR = CipherCombo.SIV_CTRMAC
MiB = 1024 * 1024
CHUNK_SIZE = 32768


@pytest.mark.parametrize(
    ("combo", "clear", "cipher"),
    [
        # SIV_GCM: 68-byte header, chunks of 12 + up to 32768 + 16 bytes.
        (GCM, 0, 68),
        (GCM, 1, 97),
        (GCM, 32767, 68 + 32767 + 28),
        (GCM, 32768, 32864),
        (GCM, 32769, 68 + 32796 + 1 + 28),
        (GCM, MiB, 1_049_540),
        # SIV_CTRMAC: 88-byte header, chunks of 16 + up to 32768 + 32 bytes.
        (CTR, 0, 88),
        (CTR, 1, 137),
        (CTR, 32768, 88 + 32816),
        (CTR, MiB, 1_050_200),
    ],
)
def test_exact_sizes(combo: CipherCombo, clear: int, cipher: int) -> None:
    assert ciphertext_size(clear, combo) == cipher
    assert cleartext_size(cipher, combo) == clear


def test_layout_constants() -> None:
    gcm, ctr = LAYOUTS[GCM], LAYOUTS[CTR]
    assert (gcm.header_size, gcm.chunk_overhead, gcm.ciphertext_chunk_size) == (68, 28, 32796)
    assert (ctr.header_size, ctr.chunk_overhead, ctr.ciphertext_chunk_size) == (88, 48, 32816)


@pytest.mark.parametrize("combo", COMBOS)
@given(n=st.integers(min_value=0, max_value=2**50))
def test_cleartext_size_inverts_ciphertext_size(combo: CipherCombo, n: int) -> None:
    assert cleartext_size(ciphertext_size(n, combo), combo) == n


@pytest.mark.parametrize("combo", COMBOS)
@pytest.mark.parametrize("k", [1, 2, 3, 17, 1000, 2**20])
@pytest.mark.parametrize("d", [-2, -1, 0, 1, 2])
def test_sizes_around_chunk_boundaries(combo: CipherCombo, k: int, d: int) -> None:
    lay = LAYOUTS[combo]
    n = k * CHUNK_SIZE + d
    full, rest = divmod(n, CHUNK_SIZE)
    expected = lay.header_size + full * lay.ciphertext_chunk_size
    if rest:
        expected += rest + lay.chunk_overhead
    assert ciphertext_size(n, combo) == expected
    assert cleartext_size(expected, combo) == n
    assert chunk_count(n, combo) == full + (1 if rest else 0)


@pytest.mark.parametrize("combo", COMBOS)
@pytest.mark.parametrize("n", [0, 1, 32767, 32768, 32769, 65536, 65537])
def test_sizes_match_what_the_writer_writes(combo: CipherCombo, n: int) -> None:
    data = encrypt_bytes(pattern(n), content_cipher(combo, fixed_key()))
    assert len(data) == ciphertext_size(n, combo)


def impossible_sizes(combo: CipherCombo) -> list[int]:
    lay = LAYOUTS[combo]
    below_header = list(range(-3, lay.header_size))
    # A tail of 1..overhead bytes after the header or a full chunk would be a chunk with
    # no cleartext, which no writer produces.
    tails = [base + t
             for base in (lay.header_size, lay.header_size + 5 * lay.ciphertext_chunk_size)
             for t in range(1, lay.chunk_overhead + 1)]
    return below_header + tails


@pytest.mark.parametrize("combo", COMBOS)
def test_impossible_ciphertext_sizes_raise_format_error(combo: CipherCombo) -> None:
    for size in impossible_sizes(combo):
        assert not is_valid_ciphertext_size(size, combo)
        with pytest.raises(FormatError):
            cleartext_size(size, combo)


@pytest.mark.parametrize("combo", COMBOS)
def test_validity_is_exactly_the_image_of_ciphertext_size(combo: CipherCombo) -> None:
    """Exhaustive over the first three chunks: a size is valid iff some file has it."""
    image = {ciphertext_size(n, combo) for n in range(3 * CHUNK_SIZE + 1)}
    for size in range(-3, max(image) + 1):
        assert is_valid_ciphertext_size(size, combo) == (size in image), size


def test_negative_cleartext_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        ciphertext_size(-1)


# --- chunk_span ------------------------------------------------------------------------

def brute_force_span(start: int, end: int, combo: CipherCombo) -> tuple[int, int, int, int, int]:
    """Which chunks hold bytes [start, end), found by looking at every byte."""
    lay = LAYOUTS[combo]
    chunks = {b // CHUNK_SIZE for b in range(start, end)}
    if not chunks:
        first = start // CHUNK_SIZE
        return first, first - 1, lay.header_size, lay.header_size, 0
    first, last = min(chunks), max(chunks)
    return (first, last,
            lay.header_size + first * lay.ciphertext_chunk_size,
            lay.header_size + (last + 1) * lay.ciphertext_chunk_size,
            start - first * CHUNK_SIZE)


@pytest.mark.parametrize("combo", COMBOS)
@given(data=st.data())
def test_chunk_span_matches_brute_force(combo: CipherCombo, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=4 * CHUNK_SIZE + 10))
    length = data.draw(st.one_of(st.integers(0, 70), st.integers(0, 2 * CHUNK_SIZE + 3)))
    span = chunk_span(start, start + length, combo)
    got = (span.first_chunk, span.last_chunk, span.ciphertext_start, span.ciphertext_end,
           span.skip)
    assert got == brute_force_span(start, start + length, combo)


SPAN_FILE_SIZE = 4 * CHUNK_SIZE + 1234
_SPAN_CLEAR = pattern(SPAN_FILE_SIZE, seed=7)
_SPAN_FILES = {c: encrypt_bytes(_SPAN_CLEAR, content_cipher(c, fixed_key())) for c in COMBOS}


@pytest.mark.parametrize("combo", COMBOS)
@given(start=st.integers(0, SPAN_FILE_SIZE), length=st.integers(0, 2 * CHUNK_SIZE + 100))
def test_chunk_span_fetches_what_a_range_read_needs(
        combo: CipherCombo, start: int, length: int) -> None:
    """Decrypting only the span's ciphertext yields exactly the requested cleartext."""
    end = min(start + length, SPAN_FILE_SIZE)
    cipher = content_cipher(combo, fixed_key())
    stored = _SPAN_FILES[combo]
    header = cipher.decrypt_header(stored[:cipher.header_size])
    span = chunk_span(start, end, combo)
    window = stored[span.ciphertext_start:span.ciphertext_end]
    clear = io.BytesIO()
    for i, index in enumerate(range(span.first_chunk, span.last_chunk + 1)):
        raw = window[i * cipher.ciphertext_chunk_size:(i + 1) * cipher.ciphertext_chunk_size]
        clear.write(cipher.decrypt_chunk(header, index, raw))
    assert clear.getvalue()[span.skip:span.skip + end - start] == _SPAN_CLEAR[start:end]


def test_chunk_span_rejects_bad_ranges() -> None:
    with pytest.raises(ValueError):
        chunk_span(-1, 3)
    with pytest.raises(ValueError):
        chunk_span(5, 4)
