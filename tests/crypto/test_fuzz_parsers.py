"""Every parser, fed anything, returns a value or raises our own VaultError, nothing else."""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.crypto.helpers import COMBOS, Pipe, b64url, fixed_key, make_token, pattern
from vaultui.crypto import (
    CipherCombo,
    DecryptingReader,
    MasterkeyFile,
    NameCipher,
    UnverifiedVaultConfig,
    VaultError,
    content_cipher,
    decode_recovery_key,
)
from vaultui.crypto.keyslot import KeySlot
from vaultui.crypto.masterkeyfile import scrypt_memory
from vaultui.crypto.recovery import word_list
from vaultui.crypto.s3ec import parse_envelope, parse_instruction_file
from vaultui.crypto.sizes import cleartext_size
from vaultui.crypto.stream import encrypt_bytes

T = TypeVar("T")
KEY = fixed_key()
#: 300 examples per parser in the normal run; VAULTUI_FUZZ_EXAMPLES=20000 for a long session.
FUZZ = settings(max_examples=int(os.environ.get("VAULTUI_FUZZ_EXAMPLES", "300")),
                deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_vault_error(fn: Callable[..., T], *args: Any) -> T | None:
    """Call fn; a VaultError is an accepted outcome, any other exception fails the test."""
    try:
        return fn(*args)
    except VaultError:
        return None


# --- strategies --------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=8,
)
base64_strings = st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode())
#: Any str, with lone surrogates made common: they cannot be encoded to UTF-8.
any_text = st.text(st.one_of(st.characters(),
                             st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
                   max_size=200)

# --- masterkey.cryptomator ------------------------------------------------------------------

VALID_MK = json.loads(MasterkeyFile.wrap(KEY, "pw", scrypt_cost=1024).to_bytes())
MK_FIELDS = list(VALID_MK)


def cheap_enough(mk: MasterkeyFile) -> bool:
    return scrypt_memory(mk.scrypt_cost, mk.scrypt_block_size) <= 2 * 1024 * 1024


@FUZZ
@given(data=st.binary(max_size=400))
def test_masterkey_file_any_bytes(data: bytes) -> None:
    parse_or_vault_error(MasterkeyFile.parse, data)


@FUZZ
@given(obj=st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={f: st.one_of(json_values, base64_strings,
                                                     st.integers(-5, 2**21))
                                        for f in MK_FIELDS}),
))
def test_masterkey_file_any_json(obj: Any) -> None:
    mk = parse_or_vault_error(MasterkeyFile.parse, json.dumps(obj).encode())
    if mk is not None and cheap_enough(mk):
        parse_or_vault_error(mk.unlock, "pw")


@FUZZ
@given(field=st.sampled_from(MK_FIELDS),
       value=st.one_of(json_values, base64_strings, st.integers(-5, 2**12)),
       passphrase=any_text)
@example(field="version", value=999, passphrase="\ud800")  # found: UnicodeEncodeError
def test_masterkey_file_one_field_replaced(field: str, value: Any, passphrase: str) -> None:
    """Start from a valid file so parsing gets far, and unlocking gets tried."""
    mk = parse_or_vault_error(MasterkeyFile.parse, json.dumps(VALID_MK | {field: value}).encode())
    if mk is not None and cheap_enough(mk):
        parse_or_vault_error(mk.unlock, passphrase)
        parse_or_vault_error(mk.unlock, "pw")


# --- vault.cryptomator --------------------------------------------------------------------

@FUZZ
@given(token=st.one_of(st.binary(max_size=300), any_text))
@example(token="e30.e30.\ud800")
def test_vault_config_any_input(token: bytes | str) -> None:
    unverified = parse_or_vault_error(UnverifiedVaultConfig.parse, token)
    if unverified is not None:
        parse_or_vault_error(lambda: unverified.kid)
        parse_or_vault_error(unverified.verify, KEY)


@FUZZ
@given(parts=st.lists(st.one_of(st.binary(max_size=60).map(b64url),
                                json_values.map(lambda v: b64url(json.dumps(v).encode())),
                                st.text(max_size=20)),
                      min_size=1, max_size=4))
def test_vault_config_dotted_parts(parts: list[str]) -> None:
    unverified = parse_or_vault_error(UnverifiedVaultConfig.parse, ".".join(parts))
    if unverified is not None:
        parse_or_vault_error(unverified.verify, KEY)


header_values = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "alg": st.one_of(st.sampled_from(["HS256", "HS384", "HS512", "none"]), json_values),
        "kid": st.one_of(st.just("masterkeyfile:masterkey.cryptomator"), json_values),
        "typ": json_values,
    }),
)
payload_values = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "format": st.one_of(st.sampled_from([7, 8, 9, 8.0]), json_values),
        "cipherCombo": st.one_of(st.sampled_from([c.value for c in CipherCombo]), json_values),
        "shorteningThreshold": st.one_of(st.integers(-10, 2**17), json_values),
        "jti": json_values,
    }),
)


@FUZZ
@given(header=header_values, payload=payload_values,
       alg=st.sampled_from(["HS256", "HS384", "HS512"]))
def test_vault_config_signed_claims(header: Any, payload: Any, alg: str) -> None:
    """Correctly signed tokens with arbitrary claims: the claim checks themselves are fuzzed."""
    token = make_token(header, payload, KEY.raw, alg)
    unverified = parse_or_vault_error(UnverifiedVaultConfig.parse, token)
    if unverified is not None:
        parse_or_vault_error(unverified.verify, KEY)


# --- file headers and contents ------------------------------------------------------------

@pytest.mark.parametrize("combo", COMBOS)
@FUZZ
@given(data=st.one_of(st.binary(max_size=120), st.binary(min_size=68, max_size=68),
                      st.binary(min_size=88, max_size=88)))
def test_decrypt_header_any_bytes(combo: CipherCombo, data: bytes) -> None:
    parse_or_vault_error(content_cipher(combo, KEY).decrypt_header, data)


VALID_FILES = {c: encrypt_bytes(pattern(40_000), content_cipher(c, KEY)) for c in COMBOS}


def read_everything(src: Any, combo: CipherCombo, size: int | None,
                    seeks: list[int]) -> None:
    reader = DecryptingReader(src, content_cipher(combo, KEY), size)
    reader.read()
    if reader.seekable():
        for pos in seeks:
            reader.seek(pos)
            reader.read(1000)


@pytest.mark.parametrize("combo", COMBOS)
@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        # A valid header (and maybe a valid first chunk) followed by anything.
        st.tuples(st.integers(0, 2), st.binary(max_size=200)),
    ),
    seekable=st.booleans(),
    size=st.one_of(st.none(), st.integers(-100, 70_000)),
    seeks=st.lists(st.integers(0, 70_000), max_size=3),
)
def test_decrypting_reader_any_bytes(combo: CipherCombo, body: Any, seekable: bool,
                                     size: int | None, seeks: list[int]) -> None:
    if isinstance(body, tuple):
        cipher = content_cipher(combo, KEY)
        keep = (cipher.header_size, cipher.header_size + cipher.ciphertext_chunk_size,
                len(VALID_FILES[combo]) - 1)[body[0]]
        body = VALID_FILES[combo][:keep] + body[1]
    src = io.BytesIO(body) if seekable else Pipe(body, 777)
    parse_or_vault_error(read_everything, src, combo, size, seeks)


@pytest.mark.parametrize("combo", COMBOS)
@FUZZ
@given(size=st.integers())
def test_cleartext_size_any_int(combo: CipherCombo, size: int) -> None:
    parse_or_vault_error(cleartext_size, size, combo)


# --- names -----------------------------------------------------------------------------------

NAMES = NameCipher(KEY)
VALID_ENCRYPTED = NAMES.encrypt_name("name.txt", "")


@FUZZ
@given(encrypted=st.one_of(any_text, st.binary(max_size=80).map(
           lambda b: base64.urlsafe_b64encode(b).decode()), st.just(VALID_ENCRYPTED)),
       dir_id=st.one_of(st.just(""), any_text))
@example(encrypted=VALID_ENCRYPTED, dir_id="\ud800")  # found: UnicodeEncodeError
def test_decrypt_name_any_text(encrypted: str, dir_id: str) -> None:
    parse_or_vault_error(NAMES.decrypt_name, encrypted, dir_id)


@FUZZ
@given(name=any_text, dir_id=st.one_of(st.just(""), any_text))
@example(name="a", dir_id="\ud800")  # found: UnicodeEncodeError
def test_encrypt_name_any_text(name: str, dir_id: str) -> None:
    parse_or_vault_error(NAMES.encrypt_name, name, dir_id)
    parse_or_vault_error(NAMES.hash_dir_id, dir_id)


# --- recovery keys -------------------------------------------------------------------------

words = st.sampled_from(word_list())


@FUZZ
@given(text=st.one_of(
    any_text,
    st.lists(st.one_of(words, words.map(str.upper), st.text(max_size=8)),
             min_size=40, max_size=48).map(" ".join),
    st.lists(words, min_size=44, max_size=44).map(" ".join),
))
def test_decode_recovery_key_any_text(text: str) -> None:
    parse_or_vault_error(decode_recovery_key, text)


# --- key slot files ------------------------------------------------------------------------

SLOT_FIELDS = ["format", "label", "kind", "recipient", "fingerprint", "created", "wrapped"]
VALID_SLOT = {"format": 1, "label": "a", "kind": "age", "recipient": "age1x",
              "fingerprint": "age1x", "created": "2026-01-01T00:00:00Z", "wrapped": "AAAA"}


@FUZZ
@given(data=st.binary(max_size=400))
def test_key_slot_any_bytes(data: bytes) -> None:
    parse_or_vault_error(KeySlot.parse, data)


@FUZZ
@given(field=st.sampled_from(SLOT_FIELDS),
       value=st.one_of(json_values, base64_strings, any_text))
def test_key_slot_one_field_replaced(field: str, value: Any) -> None:
    slot = parse_or_vault_error(KeySlot.parse, json.dumps(VALID_SLOT | {field: value}).encode())
    if slot is not None:
        # What parses must write back and parse to the same slot.
        assert KeySlot.parse(slot.to_bytes()) == slot


# --- S3 Encryption Client envelopes ----------------------------------------------------------

ENVELOPE_FIELDS = ["x-amz-key-v2", "x-amz-iv", "x-amz-cek-alg", "x-amz-wrap-alg",
                   "x-amz-matdesc", "x-amz-tag-len", "x-amz-crypto-instr-file"]
VALID_ENVELOPE = {"x-amz-key-v2": "AAAA", "x-amz-iv": "AAAAAAAAAAAAAAAA",
                  "x-amz-cek-alg": "AES/GCM/NoPadding", "x-amz-wrap-alg": "kms+context",
                  "x-amz-matdesc": '{"aws:x-amz-cek-alg": "AES/GCM/NoPadding"}'}


@FUZZ
@given(data=st.binary(max_size=400))
def test_instruction_file_any_bytes(data: bytes) -> None:
    parse_or_vault_error(parse_instruction_file, data)


@FUZZ
@given(field=st.sampled_from(ENVELOPE_FIELDS),
       value=st.one_of(any_text, base64_strings, json_values.map(json.dumps)))
def test_envelope_one_field_replaced(field: str, value: str) -> None:
    parse_or_vault_error(parse_envelope, VALID_ENVELOPE | {field: value})
