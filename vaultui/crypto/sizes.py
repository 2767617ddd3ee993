"""Cleartext ↔ ciphertext size arithmetic and chunk ranges, as pure functions."""

from __future__ import annotations

from typing import NamedTuple

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import CLEARTEXT_CHUNK_SIZE, KEY_LENGTH
from vaultui.crypto.errors import FormatError

#: Reserved 8 bytes + the 32-byte content key.
HEADER_PAYLOAD_LENGTH = 8 + KEY_LENGTH


class ContentLayout(NamedTuple):
    """The byte layout of one cipher combo's files."""

    header_nonce_size: int
    header_tag_size: int
    nonce_size: int
    tag_size: int
    payload_size: int = CLEARTEXT_CHUNK_SIZE

    @property
    def header_size(self) -> int:
        return self.header_nonce_size + HEADER_PAYLOAD_LENGTH + self.header_tag_size

    @property
    def chunk_overhead(self) -> int:
        return self.nonce_size + self.tag_size

    @property
    def ciphertext_chunk_size(self) -> int:
        return self.payload_size + self.chunk_overhead


LAYOUTS = {
    CipherCombo.SIV_GCM: ContentLayout(header_nonce_size=12, header_tag_size=16,
                                       nonce_size=12, tag_size=16),
    CipherCombo.SIV_CTRMAC: ContentLayout(header_nonce_size=16, header_tag_size=32,
                                          nonce_size=16, tag_size=32),
}


def ciphertext_size(cleartext_size: int, combo: CipherCombo = CipherCombo.SIV_GCM) -> int:
    """Bytes on storage for a file of `cleartext_size` bytes (header included)."""
    if cleartext_size < 0:
        raise ValueError("a size cannot be negative")
    lay = LAYOUTS[combo]
    full, rest = divmod(cleartext_size, lay.payload_size)
    return (lay.header_size + full * lay.ciphertext_chunk_size
            + (rest + lay.chunk_overhead if rest else 0))


def is_valid_ciphertext_size(size: int, combo: CipherCombo = CipherCombo.SIV_GCM) -> bool:
    lay = LAYOUTS[combo]
    if size < lay.header_size:
        return False
    rest = (size - lay.header_size) % lay.ciphertext_chunk_size
    # Writers never emit an empty chunk, so a tail of at most the overhead is impossible.
    return rest == 0 or rest > lay.chunk_overhead


def cleartext_size(ciphertext_size: int, combo: CipherCombo = CipherCombo.SIV_GCM) -> int:
    """Cleartext bytes of a file stored as `ciphertext_size` bytes; FormatError if impossible."""
    if not is_valid_ciphertext_size(ciphertext_size, combo):
        raise FormatError(
            f"{ciphertext_size} bytes is not a possible size of a {combo.value} file"
        )
    lay = LAYOUTS[combo]
    full, rest = divmod(ciphertext_size - lay.header_size, lay.ciphertext_chunk_size)
    return full * lay.payload_size + (rest - lay.chunk_overhead if rest else 0)


def chunk_count(cleartext_size: int, combo: CipherCombo = CipherCombo.SIV_GCM) -> int:
    return -(-cleartext_size // LAYOUTS[combo].payload_size)


class ChunkSpan(NamedTuple):
    """Which chunks hold a cleartext byte range, and where they lie in the ciphertext."""

    first_chunk: int
    last_chunk: int  # inclusive; last_chunk < first_chunk means no chunk is needed
    ciphertext_start: int
    ciphertext_end: int  # exclusive, may run past the end of the file (read less)
    skip: int  # cleartext bytes to drop from the start of the first chunk


def chunk_span(start: int, end: int, combo: CipherCombo = CipherCombo.SIV_GCM) -> ChunkSpan:
    """The chunks to fetch to decrypt cleartext bytes [start, end)."""
    if start < 0 or end < start:
        raise ValueError("invalid byte range")
    lay = LAYOUTS[combo]
    first = start // lay.payload_size
    if end == start:
        return ChunkSpan(first, first - 1, lay.header_size, lay.header_size, 0)
    last = (end - 1) // lay.payload_size
    cstart = lay.header_size + first * lay.ciphertext_chunk_size
    cend = lay.header_size + (last + 1) * lay.ciphertext_chunk_size
    return ChunkSpan(first, last, cstart, cend, start - first * lay.payload_size)
