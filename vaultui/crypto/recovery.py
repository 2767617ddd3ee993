"""Recovery keys: the 64-byte vault key as Cryptomator's 44 words, with two check bytes."""

from __future__ import annotations

import zlib
from functools import cache
from importlib import resources

from vaultui.crypto.constants import RAW_MASTERKEY_LENGTH
from vaultui.crypto.errors import RecoveryKeyError
from vaultui.crypto.keys import Masterkey

WORD_BITS = 12
WORD_COUNT = 44  # (64 key bytes + 2 check bytes) * 8 / 12


@cache
def word_list() -> tuple[str, ...]:
    """The 4096-word English list, in the order Cryptomator's apps use."""
    text = resources.files("vaultui.crypto").joinpath("data/recovery-words-en.txt").read_text(
        encoding="utf-8"
    )
    words = tuple(w.strip() for w in text.splitlines() if w.strip())
    if len(words) != 1 << WORD_BITS or len(set(words)) != len(words):
        raise RuntimeError("the recovery word list is damaged")
    return words


@cache
def _word_index() -> dict[str, int]:
    return {w: i for i, w in enumerate(word_list())}


def _check_bytes(raw: bytes) -> bytes:
    # Cryptomator takes the first two bytes of Guava's CRC32 hash code, whose bytes are
    # little-endian: the two low-order bytes of the CRC, least significant first.
    return zlib.crc32(raw).to_bytes(4, "little")[:2]


def encode_recovery_key(masterkey: Masterkey) -> str:
    """44 space-separated words: 3 bytes at a time become two 12-bit word indexes."""
    raw = masterkey.raw
    data = raw + _check_bytes(raw)
    words = word_list()
    out: list[str] = []
    for i in range(0, len(data), 3):
        triple = int.from_bytes(data[i:i + 3], "big")
        out.append(words[triple >> WORD_BITS])
        out.append(words[triple & 0xFFF])
    return " ".join(out)


def decode_recovery_key(text: str) -> Masterkey:
    """The vault key from its recovery words; RecoveryKeyError says what is wrong, not the key."""
    given = text.split()
    if len(given) != WORD_COUNT:
        raise RecoveryKeyError(
            f"a recovery key has {WORD_COUNT} words; this one has {len(given)}"
        )
    index = _word_index()
    values: list[int] = []
    for position, word in enumerate(given, start=1):
        value = index.get(word.lower())
        if value is None:
            # The position only: the word itself is part of a secret.
            raise RecoveryKeyError(f"word {position} of the recovery key is not in the word list")
        values.append(value)
    data = bytearray()
    for i in range(0, WORD_COUNT, 2):
        data += ((values[i] << WORD_BITS) | values[i + 1]).to_bytes(3, "big")
    raw, check = bytes(data[:RAW_MASTERKEY_LENGTH]), bytes(data[RAW_MASTERKEY_LENGTH:])
    if check != _check_bytes(raw):
        raise RecoveryKeyError(
            "the recovery key's check bytes do not match: a word is mistyped or out of order"
        )
    return Masterkey.from_raw(raw)


def complete_word(prefix: str) -> list[str]:
    """Words starting with `prefix`, for autocompletion while a user types a recovery key."""
    p = prefix.lower()
    return [w for w in word_list() if w.startswith(p)]
