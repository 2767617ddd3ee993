"""vault.cryptomator: the signed JWT; unverified parse vs verified config."""

from __future__ import annotations

import base64
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from pycryptomator.cryptomator import Vault

from tests.crypto.helpers import b64url, fixed_key, good_header, good_payload, make_token
from vaultui.crypto import (
    CipherCombo,
    FormatError,
    InvalidSignatureError,
    UnsupportedVaultError,
    UnverifiedVaultConfig,
    VaultConfig,
)

KEY = fixed_key()
RAW = KEY.raw


def verify(token: bytes | str) -> VaultConfig:
    return UnverifiedVaultConfig.parse(token).verify(KEY)


@pytest.mark.parametrize("combo", list(CipherCombo))
@pytest.mark.parametrize("threshold", [36, 220, 255])
def test_token_round_trip(combo: CipherCombo, threshold: int) -> None:
    config = VaultConfig.new(combo, threshold)
    token = config.to_token(KEY)
    unverified = UnverifiedVaultConfig.parse(token)
    assert unverified.header == {"kid": "masterkeyfile:masterkey.cryptomator", "typ": "JWT",
                                 "alg": "HS256"}
    assert unverified.payload == {"jti": config.jti, "format": 8, "cipherCombo": combo.value,
                                  "shorteningThreshold": threshold}
    assert unverified.kid == "masterkeyfile:masterkey.cryptomator"
    assert unverified.verify(KEY) == config


def test_new_configs_have_fresh_ids() -> None:
    assert VaultConfig.new().jti != VaultConfig.new().jti
    assert VaultConfig.new().cipher_combo is CipherCombo.SIV_GCM


def test_signature_is_hs256_over_the_raw_64_byte_key() -> None:
    token = VaultConfig.new().to_token(KEY).decode()
    head, body, sig = token.split(".")
    assert "=" not in token  # base64url without padding, as JWTs are written
    assert base64.urlsafe_b64decode(sig + "=") == hmac.digest(RAW, f"{head}.{body}".encode(),
                                                              "sha256")
    assert KEY.enc_key + KEY.mac_key == RAW


def test_wrong_key() -> None:
    token = VaultConfig.new().to_token(fixed_key("other vault"))
    with pytest.raises(InvalidSignatureError):
        verify(token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h, p, s: (h, p, s[:-4]),
        lambda h, p, s: (h, p, ""),
        lambda h, p, s: (h, p, b64url(b"\x00" * 32)),
        lambda h, p, s: (h, b64url(json.dumps(good_payload(cipherCombo="SIV_CTRMAC")).encode()),
                         s),
        lambda h, p, s: (b64url(json.dumps(good_header() | {"kid": "x"}).encode()), p, s),
    ],
    ids=["truncated signature", "no signature", "zero signature", "payload swapped",
         "header swapped"],
)
def test_modified_tokens_fail_the_signature(mangle: Any) -> None:
    h, p, s = make_token(good_header(), good_payload(), RAW).decode().split(".")
    with pytest.raises(InvalidSignatureError):
        verify(".".join(mangle(h, p, s)))


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_accepted(alg: str) -> None:
    token = make_token(good_header() | {"alg": alg}, good_payload(), RAW, alg)
    assert verify(token).cipher_combo is CipherCombo.SIV_GCM


@pytest.mark.parametrize("alg", ["none", "None", "RS256", "ES256", "HS1", "", None, 256])
def test_unsupported_algorithms(alg: object) -> None:
    token = make_token(good_header() | {"alg": alg}, good_payload(), RAW)
    with pytest.raises(UnsupportedVaultError, match="algorithm"):
        verify(token)


def test_alg_none_with_empty_signature() -> None:
    h = b64url(json.dumps(good_header() | {"alg": "none"}).encode())
    p = b64url(json.dumps(good_payload()).encode())
    with pytest.raises(UnsupportedVaultError):
        verify(f"{h}.{p}.")


def test_missing_alg() -> None:
    header = good_header()
    del header["alg"]
    with pytest.raises(UnsupportedVaultError):
        verify(make_token(header, good_payload(), RAW))


@pytest.mark.parametrize("fmt", [7, 9, 6, 0, -8, 999])
def test_other_formats_are_unsupported_and_named(fmt: int) -> None:
    with pytest.raises(UnsupportedVaultError, match=rf"vault format {fmt} is not supported"):
        verify(make_token(good_header(), good_payload(format=fmt), RAW))


@pytest.mark.parametrize("fmt", ["8", True, None, [8], {"v": 8}])
def test_format_of_the_wrong_type(fmt: object) -> None:
    with pytest.raises(UnsupportedVaultError):
        verify(make_token(good_header(), good_payload(format=fmt), RAW))


def test_unverified_config_reports_its_claimed_format_before_verification() -> None:
    token = make_token(good_header(), good_payload(format=9), RAW)
    assert UnverifiedVaultConfig.parse(token).claimed_format == 9
    # ...but the claims are only acted on once the signature is good.
    with pytest.raises(InvalidSignatureError):
        UnverifiedVaultConfig.parse(token).verify(fixed_key("other vault"))


@pytest.mark.parametrize("combo", ["SIV_CTR", "siv_gcm", "SIV_GCM ", "UVF", "", 1, None])
def test_unknown_cipher_combo(combo: object) -> None:
    with pytest.raises(UnsupportedVaultError, match="cipher combo"):
        verify(make_token(good_header(), good_payload(cipherCombo=combo), RAW))


def test_missing_cipher_combo() -> None:
    payload = good_payload()
    del payload["cipherCombo"]
    with pytest.raises(UnsupportedVaultError):
        verify(make_token(good_header(), payload, RAW))


def test_shortening_threshold() -> None:
    payload = good_payload()
    del payload["shorteningThreshold"]
    assert verify(make_token(good_header(), payload, RAW)).shortening_threshold == 220
    with pytest.raises(UnsupportedVaultError):
        verify(make_token(good_header(), good_payload(shorteningThreshold=35), RAW))
    with pytest.raises(FormatError):
        verify(make_token(good_header(), good_payload(shorteningThreshold="220"), RAW))
    with pytest.raises(FormatError):
        verify(make_token(good_header(), good_payload(shorteningThreshold=True), RAW))


def test_jti_must_be_a_string() -> None:
    with pytest.raises(FormatError):
        verify(make_token(good_header(), good_payload(jti=5), RAW))


def test_kid() -> None:
    header = good_header() | {"kid": "masterkeyfile:../elsewhere/masterkey.cryptomator"}
    assert verify(make_token(header, good_payload(), RAW)).kid.endswith("elsewhere/masterkey"
                                                                       ".cryptomator")
    del header["kid"]
    token = make_token(header, good_payload(), RAW)
    with pytest.raises(FormatError, match="kid"):
        UnverifiedVaultConfig.parse(token).kid  # noqa: B018
    with pytest.raises(FormatError):
        verify(token)


def test_surrounding_whitespace_is_ignored() -> None:
    token = make_token(good_header(), good_payload(), RAW)
    assert verify(b"  " + token + b"\n").jti == good_payload()["jti"]


@pytest.mark.parametrize(
    "token",
    [
        b"",
        b"abc",
        b"a.b",
        b"a.b.c.d",
        b"!!!!.e30.AAAA",
        b"e30.!!!!.AAAA",
        b"e30.e30.A",  # one base64 character cannot encode a byte
        b64url(b"[]").encode() + b".e30.AAAA",
        b"e30." + b64url(b'"just a string"').encode() + b".AAAA",
        b64url(b"{not json").encode() + b".e30.AAAA",
        b"e30." + b64url(b"\xff\xfe").encode() + b".AAAA",
        "é.e30.AAAA".encode(),
        b"e30.e30." + b"A" * 70_000,
    ],
)
def test_malformed_tokens_are_format_errors(token: bytes) -> None:
    with pytest.raises(FormatError):
        UnverifiedVaultConfig.parse(token)


@pytest.mark.parametrize("where", [0, 1, 2])
@pytest.mark.parametrize("junk", ["!", " ", "\n", "*", "é", "=A"])
def test_stray_characters_in_a_part_are_format_errors(where: int, junk: str) -> None:
    """Regression: characters outside base64 were skipped, so `e30.e30.!!!!` parsed (with
    an empty signature) and a part with junk inside decoded as if it were not there."""
    parts = make_token(good_header(), good_payload(), RAW).decode().split(".")
    parts[where] = parts[where][:5] + junk + parts[where][5:]
    with pytest.raises(FormatError, match="base64url"):
        UnverifiedVaultConfig.parse(".".join(parts))
    with pytest.raises(FormatError):
        UnverifiedVaultConfig.parse(b"e30.e30.!!!!")


def test_format_errors_are_not_unsupported_vaults() -> None:
    with pytest.raises(FormatError) as info:
        UnverifiedVaultConfig.parse(b"a.b")
    assert not isinstance(info.value, UnsupportedVaultError)


def test_pycryptomator_vault_config_verifies(oracle_vault_dir: Path, oracle_opened: Vault) -> None:
    """pycryptomator writes standard base64 with padding and JSON with spaces: still valid."""
    token = (oracle_vault_dir / "vault.cryptomator").read_bytes()
    key = type(KEY)(oracle_opened.pk, oracle_opened.hk)
    config = UnverifiedVaultConfig.parse(token).verify(key)
    assert config.cipher_combo is CipherCombo.SIV_GCM
    assert config.shortening_threshold == 220
    assert config.kid == "masterkeyfile:masterkey.cryptomator"
    with pytest.raises(InvalidSignatureError):
        UnverifiedVaultConfig.parse(token).verify(KEY)
