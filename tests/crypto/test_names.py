"""Name encryption, directory ids and .c9s shortening, cross-checked with pycryptomator."""

from __future__ import annotations

import base64
import hashlib
import io
import unicodedata
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycryptomator.cryptomator import Vault

from tests.crypto.helpers import fixed_key, oracle_vault, quiet
from vaultui.crypto import (
    AuthenticationError,
    CipherCombo,
    FormatError,
    Masterkey,
    NameCipher,
    VaultConfig,
    VaultCryptor,
    content_cipher,
    new_dir_id,
)
from vaultui.crypto.names import max_cleartext_name_bytes, shortened_name, storage_name
from vaultui.crypto.stream import decrypt_bytes

KEY = fixed_key()
NAMES = NameCipher(KEY)
DIR = "6b1f8a64-0d53-4b7e-9a66-2f0a4e8b7c11"


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


valid_names = st.text(
    st.characters(codec="utf-8", exclude_characters="/\\\x00"),
    min_size=1, max_size=60,
).filter(lambda n: n not in (".", ".."))
dir_ids = st.one_of(st.just(""), st.uuids().map(str))
keys = st.binary(min_size=64, max_size=64).map(Masterkey.from_raw)


@settings(max_examples=150, deadline=None)
@given(key=keys, name=valid_names, dir_id=dir_ids)
def test_names_match_pycryptomator(key: Masterkey, name: str, dir_id: str) -> None:
    ours = NameCipher(key).encrypt_name(name, dir_id) + ".c9r"
    oracle = oracle_vault(key)
    theirs = oracle.encryptName(dir_id.encode(), nfc(name).encode()).decode()
    assert ours == theirs
    assert NameCipher(key).decrypt_name(theirs[:-4], dir_id) == nfc(name)
    assert oracle.decryptName(dir_id.encode(), ours.encode()) == nfc(name).encode()


@settings(max_examples=100, deadline=None)
@given(key=keys, dir_id=st.one_of(
    # Any text of at most 36 UTF-8 bytes: 9 characters of up to 4 bytes each.
    dir_ids, st.text(st.characters(codec="utf-8"), max_size=9)))
def test_dir_id_hash_matches_pycryptomator(key: Masterkey, dir_id: str) -> None:
    ours = NameCipher(key).hash_dir_id(dir_id)
    assert ours == oracle_vault(key).hashDirId(dir_id)
    assert len(ours) == 32
    assert NameCipher(key).dir_path(dir_id) == f"d/{ours[:2]}/{ours[2:]}"


def test_root_dir_path_matches_pycryptomator(oracle_vault_dir: Path, oracle_opened: Vault) -> None:
    key = Masterkey(oracle_opened.pk, oracle_opened.hk)
    path = NameCipher(key).dir_path("")
    assert (oracle_vault_dir / path).is_dir()
    assert Path(oracle_opened.root) == oracle_vault_dir / path


@pytest.mark.parametrize("name", ["Café.txt", "Ångström", "한국어 파일", "e\u0301\u0301"])
def test_nfd_input_is_normalised_to_nfc(name: str) -> None:
    nfd = unicodedata.normalize("NFD", name)
    encrypted = NAMES.encrypt_name(nfd, DIR)
    assert encrypted == NAMES.encrypt_name(nfc(name), DIR)
    assert NAMES.decrypt_name(encrypted, DIR) == nfc(name)


def test_names_are_deterministic_per_directory() -> None:
    assert NAMES.encrypt_name("a.txt", DIR) == NAMES.encrypt_name("a.txt", DIR)
    assert NAMES.encrypt_name("a.txt", DIR) != NAMES.encrypt_name("a.txt", "")
    assert NAMES.encrypt_name("a.txt", DIR) != NAMES.encrypt_name("A.txt", DIR)


def test_encrypted_name_form() -> None:
    encrypted = NAMES.encrypt_name("a", DIR)
    # 16-byte SIV tag + 1 byte = 17 bytes -> 24 base64url characters with padding.
    assert len(encrypted) == 24 and encrypted.endswith("=")
    assert base64.urlsafe_b64decode(encrypted)[16:] != b"a"
    assert len(encrypted + ".c9r") >= 28  # Cryptomator's minimum ciphertext name length


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/", "a\x00b", "\x00", "a\\b",
                                  "bad\ud800surrogate"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(FormatError):
        NAMES.encrypt_name(name, DIR)


@pytest.mark.parametrize("dir_id", ["\ud800", "abc\udfff", "\udc80" * 5])
def test_dir_id_that_is_not_unicode(dir_id: str) -> None:
    """Regression (found by the fuzzer): a lone surrogate raised UnicodeEncodeError."""
    encrypted = NAMES.encrypt_name("a", DIR)
    for call in (lambda: NAMES.encrypt_name("a", dir_id),
                 lambda: NAMES.decrypt_name(encrypted, dir_id),
                 lambda: NAMES.hash_dir_id(dir_id)):
        with pytest.raises(FormatError, match="directory id"):
            call()


def test_dir_id_longer_than_36_bytes() -> None:
    with pytest.raises(FormatError):
        NAMES.encrypt_name("a", "x" * 37)
    with pytest.raises(FormatError):
        NAMES.hash_dir_id("é" * 19)


@pytest.mark.parametrize("encrypted", ["", "AAAA", "A" * 20 + "==", "not*base64", "====",
                                       "Zm9v\u00e9"])
def test_malformed_encrypted_names(encrypted: str) -> None:
    with pytest.raises(FormatError):
        NAMES.decrypt_name(encrypted, DIR)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e + " (1)",  # a sync client's conflict copy
        lambda e: e + " (Alice's conflicted copy)",
        lambda e: e[:4] + "!" + e[4:],
        lambda e: e[:4] + " " + e[4:],
        lambda e: e[:4] + "\n" + e[4:],
        lambda e: e.replace("-", "+").replace("_", "/"),  # standard, not url-safe, alphabet
    ],
    ids=["conflict (1)", "conflicted copy", "!", "space", "newline", "standard alphabet"],
)
def test_only_the_exact_encrypted_name_decrypts(mangle: object) -> None:
    """Regression: characters outside base64url were skipped, so e.g. the conflict copy
    `X (1)` decrypted to the same cleartext name as `X`."""
    # A name whose ciphertext uses both url-safe characters, found deterministically.
    encrypted = next(e for e in (NAMES.encrypt_name(f"report {i}.pdf", DIR) for i in range(999))
                     if "-" in e and "_" in e)
    mangled = mangle(encrypted)  # type: ignore[operator]
    assert mangled != encrypted
    with pytest.raises(FormatError, match="base64url"):
        NAMES.decrypt_name(mangled, DIR)


def test_forged_name() -> None:
    forged = base64.urlsafe_b64encode(b"\x00" * 32).decode()
    with pytest.raises(AuthenticationError):
        NAMES.decrypt_name(forged, DIR)


# --- shortening --------------------------------------------------------------------------

def test_max_cleartext_name_length() -> None:
    assert max_cleartext_name_bytes() == 146
    assert max_cleartext_name_bytes(220) == 146


def is_shortened(name: str, threshold: int = 220) -> bool:
    encrypted = NAMES.encrypt_name(name, DIR)
    stored = storage_name(encrypted, threshold)
    long = len(encrypted + ".c9r") > threshold
    assert stored == (shortened_name(encrypted + ".c9r") if long else encrypted + ".c9r")
    assert stored.endswith(".c9s") == long
    return long


@pytest.mark.parametrize("length", range(140, 153))
def test_ascii_names_switch_to_c9s_just_past_146_bytes(length: int) -> None:
    assert is_shortened("n" * length) == (length > 146)


@pytest.mark.parametrize(
    ("name", "utf8_bytes"),
    [
        ("é" * 73, 146),
        ("é" * 73 + "x", 147),
        ("€" * 48 + "ab", 146),  # 3-byte characters
        ("€" * 49, 147),
        ("😀" * 36 + "ab", 146),  # 4-byte characters
        ("😀" * 36 + "abc", 147),
        ("😀" * 37, 148),
        ("a" * 145 + "é", 147),  # a multibyte character straddling the limit
    ],
)
def test_multibyte_names_near_the_limit(name: str, utf8_bytes: int) -> None:
    assert len(name.encode()) == utf8_bytes
    assert is_shortened(name) == (utf8_bytes > 146)


def test_nfd_names_are_measured_after_normalisation() -> None:
    name = unicodedata.normalize("NFD", "é" * 73)
    assert len(name.encode()) == 219  # NFD: e + combining accent
    assert not is_shortened(name)  # but it is stored as 146 bytes of NFC


@pytest.mark.parametrize("threshold", [36, 37, 40, 100, 150, 219, 220, 221, 254, 255, 1000])
def test_max_cleartext_name_bytes_is_exact_for_any_threshold(threshold: int) -> None:
    limit = max_cleartext_name_bytes(threshold)
    assert not is_shortened("a" * limit, threshold)
    assert is_shortened("a" * (limit + 1), threshold)


def test_shortened_name_form() -> None:
    full = NAMES.encrypt_name("x" * 200, DIR) + ".c9r"
    short = shortened_name(full)
    digest = hashlib.sha1(full.encode(), usedforsecurity=False).digest()
    assert short == base64.urlsafe_b64encode(digest).decode() + ".c9s"
    assert len(short) == 32


@settings(max_examples=50, deadline=None)
@given(name=valid_names.map(lambda n: n + "x" * 147))
def test_shortened_names_match_pycryptomators_rule(name: str) -> None:
    oracle = oracle_vault(KEY)
    full = oracle.encryptName(DIR.encode(), nfc(name).encode())
    # pycryptomator's getInfo: base64url(SHA-1(encrypted name incl. .c9r)) + ".c9s"
    theirs = base64.urlsafe_b64encode(hashlib.sha1(full).digest()).decode() + ".c9s"
    assert storage_name(NAMES.encrypt_name(name, DIR)) == theirs


@pytest.mark.parametrize("name", ["L" * 147, "Ü" * 100 + ".txt", "short.txt"])
def test_long_names_on_disk_as_pycryptomator_writes_them(
        oracle_vault_dir: Path, oracle_opened: Vault, name: str) -> None:
    """pycryptomator stores the file; our names and shortening find it on disk."""
    with quiet():
        oracle_opened.encryptFile(io.BytesIO(b"payload of " + name.encode()), "/" + name)
    key = Masterkey(oracle_opened.pk, oracle_opened.hk)
    config = VaultConfig(jti="x", cipher_combo=CipherCombo.SIV_GCM)
    cryptor = VaultCryptor(key, config)
    root = oracle_vault_dir / cryptor.dir_path("")
    node = root / cryptor.storage_name(name, "")
    assert node.exists()
    if node.suffix == ".c9s":
        assert (node / "name.c9s").read_text() == cryptor.full_encrypted_name(name, "")
        contents = node / "contents.c9r"
    else:
        contents = node
    cipher = content_cipher(CipherCombo.SIV_GCM, key)
    assert decrypt_bytes(contents.read_bytes(), cipher) == b"payload of " + name.encode()


def test_vault_cryptor_uses_the_configs_threshold() -> None:
    name = "a" * 60
    small = VaultCryptor(KEY, VaultConfig(jti="x", cipher_combo=CipherCombo.SIV_GCM,
                                          shortening_threshold=50))
    default = VaultCryptor(KEY, VaultConfig(jti="x", cipher_combo=CipherCombo.SIV_GCM))
    assert small.storage_name(name, DIR).endswith(".c9s")
    assert default.storage_name(name, DIR).endswith(".c9r")
    assert small.full_encrypted_name(name, DIR) == default.storage_name(name, DIR)


def test_dir_ids_are_uuids() -> None:
    a, b = new_dir_id(), new_dir_id()
    assert a != b and str(uuid.UUID(a)) == a and len(a.encode()) == 36


# --- decrypting a folder's names in one batch ---------------------------------------------

def single(names: NameCipher, encrypted: str, dir_id: str) -> str | None:
    """What decrypt_names promises for one name: decrypt_name's answer, None if it raises."""
    try:
        return names.decrypt_name(encrypted, dir_id)
    except (FormatError, AuthenticationError):
        return None


def flip_bit(encrypted: str, bit: int) -> str:
    """The encrypted name with one bit of its tag or ciphertext flipped, re-encoded."""
    sealed = bytearray(base64.urlsafe_b64decode(encrypted))
    sealed[bit // 8 % len(sealed)] ^= 1 << bit % 8
    return base64.urlsafe_b64encode(bytes(sealed)).decode()


MANGLINGS = {
    "as is": lambda e: e,
    "conflict copy": lambda e: e + " (1)",
    "standard alphabet": lambda e: e.replace("-", "+").replace("_", "/"),
    "padding cut": lambda e: e.rstrip("="),
    "extra padding": lambda e: e + "=",
    "space inside": lambda e: e[:4] + " " + e[4:],
    "non-ASCII": lambda e: e[:4] + "é" + e[5:],
    "last character": lambda e: e[:-3] + ("B" if e[-3] == "A" else "A") + e[-2:],
    "tag bit": lambda e: flip_bit(e, 0),
    "ciphertext bit": lambda e: flip_bit(e, 8 * 16 + 3),
    "too short": lambda e: e[:20],
    "empty": lambda e: "",
}


@settings(max_examples=60, deadline=None)
@given(key=keys, dir_id=dir_ids, other_dir=dir_ids,
       picks=st.lists(st.tuples(valid_names, st.sampled_from(sorted(MANGLINGS)), st.booleans()),
                      max_size=12))
def test_batch_decrypt_answers_as_single_decrypt(
        key: Masterkey, dir_id: str, other_dir: str, picks: list[tuple[str, str, bool]]) -> None:
    """Genuine, mangled, tampered and moved names, mixed: each answered as decrypt_name
    answers it (None where it raises), in order."""
    names = NameCipher(key)
    genuine = [names.encrypt_name(name, dir_id) for name, _, _ in picks]
    batch = [MANGLINGS[how](names.encrypt_name(name, other_dir if moved else dir_id))
             for name, how, moved in picks]
    expected = [single(names, e, dir_id) for e in batch]
    assert names.decrypt_names(batch, dir_id) == expected
    for (name, _, _), e, g, clear in zip(picks, batch, genuine, expected, strict=True):
        assert clear == (nfc(name) if e == g else None)


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(st.text(max_size=60), max_size=8))
def test_batch_decrypt_of_any_text(batch: list[str]) -> None:
    assert NAMES.decrypt_names(batch, DIR) == [single(NAMES, e, DIR) for e in batch]


def test_batch_decrypt_of_every_length_around_the_shortening_threshold() -> None:
    lengths = range(1, max_cleartext_name_bytes() + 40)
    clear = ["n" * n for n in lengths] + ["é" * (n // 2) + "x" * (n % 2) for n in lengths[1:]]
    for dir_id in ("", DIR):
        encrypted = [NAMES.encrypt_name(n, dir_id) for n in clear]
        assert NAMES.decrypt_names(encrypted, dir_id) == clear
        # Moved to another folder, no name decrypts.
        assert NAMES.decrypt_names(encrypted, DIR if not dir_id else "") == [None] * len(clear)


def test_batch_decrypt_takes_any_iterable_and_nothing() -> None:
    encrypted = NAMES.encrypt_name("a.txt", DIR)
    assert NAMES.decrypt_names(iter([encrypted, encrypted]), DIR) == ["a.txt", "a.txt"]
    assert NAMES.decrypt_names([], DIR) == []


@pytest.mark.parametrize("dir_id", ["\ud800", "x" * 37])
def test_batch_decrypt_with_a_malformed_dir_id(dir_id: str) -> None:
    with pytest.raises(FormatError, match="directory id"):
        NAMES.decrypt_names([NAMES.encrypt_name("a", DIR)], dir_id)
