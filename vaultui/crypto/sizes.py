"""Cleartext ↔ ciphertext size arithmetic and chunk ranges, as pure functions."""

from __future__ import annotations

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import CLEARTEXT_CHUNK_SIZE, KEY_LENGTH
from vaultui.crypto.errors import FormatError

#: Reserved 8 bytes + the 32-byte content key.
HEADER_PAYLOAD_LENGTH = 8 + KEY_LENGTH


class ContentLayout:
    """The byte layout of one cipher combo's files (a plain class: building a NamedTuple
    or dataclass costs start-up time in every process that encrypts one small file)."""

    __slots__ = ("chunk_overhead", "ciphertext_chunk_size", "header_nonce_size", "header_size",
                 "header_tag_size", "nonce_size", "payload_size", "tag_size")

    def __init__(self, *, header_nonce_size: int, header_tag_size: int, nonce_size: int,
                 tag_size: int, payload_size: int = CLEARTEXT_CHUNK_SIZE) -> None:
        self.header_nonce_size = header_nonce_size
        self.header_tag_size = header_tag_size
        self.nonce_size = nonce_size
        self.tag_size = tag_size
        self.payload_size = payload_size
        self.header_size = header_nonce_size + HEADER_PAYLOAD_LENGTH + header_tag_size
        self.chunk_overhead = nonce_size + tag_size
        self.ciphertext_chunk_size = payload_size + self.chunk_overhead

    def __repr__(self) -> str:
        return (f"ContentLayout(header={self.header_size}, chunk={self.ciphertext_chunk_size}, "
                f"payload={self.payload_size})")


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


class ChunkSpan:
    """Which chunks hold a cleartext byte range, and where they lie in the ciphertext."""

    __slots__ = ("ciphertext_end", "ciphertext_start", "first_chunk", "last_chunk", "skip")

    def __init__(self, first_chunk: int, last_chunk: int, ciphertext_start: int,
                 ciphertext_end: int, skip: int) -> None:
        self.first_chunk = first_chunk
        self.last_chunk = last_chunk  # inclusive; below first_chunk means no chunk is needed
        self.ciphertext_start = ciphertext_start
        self.ciphertext_end = ciphertext_end  # exclusive; may run past the end of the file
        self.skip = skip  # cleartext bytes to drop from the start of the first chunk

    def _fields(self) -> tuple[int, int, int, int, int]:
        return (self.first_chunk, self.last_chunk, self.ciphertext_start,
                self.ciphertext_end, self.skip)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChunkSpan):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "ChunkSpan(first_chunk={}, last_chunk={}, ciphertext_start={}, " \
               "ciphertext_end={}, skip={})".format(*self._fields())


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
