"""Recovery keys: 44 words for the 64-byte key and two check bytes, as Cryptomator's apps."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.crypto.helpers import fixed_key, oracle_wordscodec
from vaultui.crypto import Masterkey, RecoveryKeyError, decode_recovery_key, encode_recovery_key
from vaultui.crypto.recovery import complete_word, word_list

KEYS = [fixed_key(f"recovery {i}") for i in range(8)]
CODEC = oracle_wordscodec()
keys = st.binary(min_size=64, max_size=64).map(Masterkey.from_raw)


def test_word_list_is_the_one_cryptomator_uses() -> None:
    assert list(word_list()) == CODEC.dictionary
    assert len(word_list()) == 4096 == len(set(word_list()))


@settings(max_examples=200)
@given(key=keys)
def test_round_trip_and_equal_to_pycryptomator(key: Masterkey) -> None:
    words = encode_recovery_key(key)
    assert len(words.split(" ")) == 44
    assert words == " ".join(CODEC.bytes2words(CODEC.blob(key.enc_key, key.mac_key)))
    assert bytes(CODEC.words2bytes(words.split())) == CODEC.blob(key.enc_key, key.mac_key)
    assert decode_recovery_key(words) == key


def test_check_bytes_are_the_low_crc32_bytes_little_endian() -> None:
    key = KEYS[0]
    data = bytes(CODEC.words2bytes(encode_recovery_key(key).split()))
    crc = zlib.crc32(key.raw)
    assert data[64:] == bytes([crc & 0xFF, (crc >> 8) & 0xFF])


@pytest.mark.parametrize("count", [0, 1, 43, 45, 88])
def test_wrong_word_count(count: int) -> None:
    words = (encode_recovery_key(KEYS[0]).split() * 2)[:count]
    with pytest.raises(RecoveryKeyError, match=f"44 words; this one has {count}"):
        decode_recovery_key(" ".join(words))


@pytest.mark.parametrize("position", [1, 7, 44])
@pytest.mark.parametrize("bogus", ["xylophonex", "Zzzzq", "ab1", "naïve"])
def test_unknown_word_names_the_position_not_the_word(position: int, bogus: str) -> None:
    assert bogus.lower() not in word_list()
    words = encode_recovery_key(KEYS[1]).split()
    words[position - 1] = bogus
    with pytest.raises(RecoveryKeyError) as info:
        decode_recovery_key(" ".join(words))
    message = str(info.value)
    assert f"word {position} " in message
    assert bogus not in message and bogus.lower() not in message
    for real in set(words) - {bogus}:
        assert f" {real} " not in f" {message} "


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize(("i", "j"), [(0, 1), (0, 43), (10, 20), (41, 42), (42, 43)])
def test_swapped_words_fail_the_check_bytes(key: Masterkey, i: int, j: int) -> None:
    words = encode_recovery_key(key).split()
    if words[i] == words[j]:
        pytest.fail("choose positions holding different words")  # deterministic keys
    words[i], words[j] = words[j], words[i]
    with pytest.raises(RecoveryKeyError, match="check bytes"):
        decode_recovery_key(" ".join(words))


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("position", [0, 5, 21, 42, 43])
def test_one_word_replaced_by_another_valid_word_fails(key: Masterkey, position: int) -> None:
    words = encode_recovery_key(key).split()
    all_words = word_list()
    words[position] = all_words[(all_words.index(words[position]) + 1) % 4096]
    with pytest.raises(RecoveryKeyError, match="check bytes"):
        decode_recovery_key(" ".join(words))


def test_case_and_whitespace_are_forgiven() -> None:
    key = KEYS[2]
    words = encode_recovery_key(key).split()
    mangled = "\n  " + "\t ".join(w.upper() if i % 2 else w.title()
                                   for i, w in enumerate(words)) + "  \r\n"
    assert decode_recovery_key(mangled) == key


def test_complete_word() -> None:
    matches = complete_word("Pre")
    assert matches and all(w.startswith("pre") for w in matches)
    assert complete_word("") == list(word_list())
    assert complete_word("qqqqq") == []
