"""Standalone keys: random, scrypt-derived (deterministic), and their two text forms."""

from __future__ import annotations

import base64
import hashlib

import pytest

from vaultui.crypto.errors import FormatError, RecoveryKeyError
from vaultui.crypto.keygen import (
    DEFAULT_DERIVE_COST,
    derive_key,
    key_from_text,
    key_to_text,
    key_to_words,
    new_salt,
    random_key,
)
from vaultui.crypto.keys import Masterkey

FAST = 1024  # the lowest cost we accept: keeps the tests quick


def test_random_keys_differ_and_round_trip_through_both_text_forms() -> None:
    a, b = random_key(), random_key()
    assert a != b
    text = key_to_text(a)
    assert len(text) == 86 and "=" not in text and "+" not in text and "/" not in text
    assert key_from_text(text) == a
    words = key_to_words(a)
    assert len(words.split()) == 44
    assert key_from_text(words) == a
    assert key_from_text("  " + words.upper() + "\n") == a


def test_standard_and_padded_base64_are_accepted() -> None:
    key = random_key()
    assert key_from_text(base64.b64encode(key.raw).decode()) == key
    assert key_from_text(base64.urlsafe_b64encode(key.raw).decode()) == key


def test_derived_key_is_deterministic_and_depends_on_every_input() -> None:
    key = derive_key("correct horse", "salt-1", cost=FAST)
    assert derive_key("correct horse", "salt-1", cost=FAST) == key
    assert derive_key("correct horse", "salt-2", cost=FAST) != key
    assert derive_key("correct horsf", "salt-1", cost=FAST) != key
    assert derive_key("correct horse", "salt-1", cost=2 * FAST) != key


def test_derived_key_known_answer() -> None:
    # Defined as scrypt(NFC-UTF-8(passphrase), UTF-8(salt), N, r=8, p=1, dklen=64).
    expected = hashlib.scrypt(b"p\xc3\xa4ss", salt=b"NaCl", n=FAST, r=8, p=1, dklen=64)
    assert derive_key("pa\u0308ss", "NaCl", cost=FAST).raw == expected  # NFD input, NFC used


def test_default_cost_is_a_safe_power_of_two() -> None:
    assert DEFAULT_DERIVE_COST >= 2**15 and DEFAULT_DERIVE_COST & (DEFAULT_DERIVE_COST - 1) == 0


def test_salts_are_random_text() -> None:
    salts = {new_salt() for _ in range(10)}
    assert len(salts) == 10
    assert all(len(s) == 22 for s in salts)


@pytest.mark.parametrize("cost", [1000, 2**30])
def test_bad_or_huge_costs_are_refused(cost: int) -> None:
    with pytest.raises(FormatError):
        derive_key("p", "s", cost=cost)


def test_empty_passphrase_or_salt_is_refused() -> None:
    with pytest.raises(FormatError):
        derive_key("", "s", cost=FAST)
    with pytest.raises(FormatError):
        derive_key("p", "", cost=FAST)


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", "one two three"])
def test_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises((FormatError, RecoveryKeyError)):
        key_from_text(text)


def test_a_key_is_a_masterkey() -> None:
    assert isinstance(random_key(), Masterkey)
