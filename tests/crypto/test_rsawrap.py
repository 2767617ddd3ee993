"""RSA-OAEP-SHA256 wrapping: round trip, key sizes, one opaque failure."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.rsawrap import (
    load_rsa_private_key,
    load_rsa_public_key,
    rsa_fingerprint,
    rsa_unwrap,
    rsa_wrap,
)


@pytest.fixture(scope="module")
def private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey, fmt: serialization.PublicFormat) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, fmt)


def test_round_trip_with_spki_and_pkcs1(private: rsa.RSAPrivateKey) -> None:
    secret = bytes(range(64))
    for fmt in (serialization.PublicFormat.SubjectPublicKeyInfo,
                serialization.PublicFormat.PKCS1):
        public = load_rsa_public_key(pem(private, fmt))
        assert rsa_unwrap(private, rsa_wrap(public, secret)) == secret


def test_it_is_plain_oaep_sha256(private: rsa.RSAPrivateKey) -> None:
    # What openssl and the cloud SDKs produce: another implementation must unwrap it.
    wrapped = rsa_wrap(private.public_key(), b"k" * 64)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=None)
    assert private.decrypt(wrapped, oaep) == b"k" * 64


def test_wrong_key_is_one_opaque_error(private: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrapped = rsa_wrap(private.public_key(), b"k" * 64)
    with pytest.raises(AuthenticationError):
        rsa_unwrap(other, wrapped)
    with pytest.raises(AuthenticationError):
        rsa_unwrap(private, wrapped[:-1] + bytes([wrapped[-1] ^ 1]))


def test_small_and_non_rsa_keys_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(FormatError, match="2048"):
        load_rsa_public_key(pem(small, serialization.PublicFormat.SubjectPublicKeyInfo))
    ecc = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(FormatError, match="not an RSA"):
        load_rsa_public_key(ecc)
    with pytest.raises(FormatError):
        load_rsa_public_key(b"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n")


def test_private_key_with_password(private: rsa.RSAPrivateKey) -> None:
    data = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(FormatError, match="needs a password"):
        load_rsa_private_key(data)
    with pytest.raises(FormatError):
        load_rsa_private_key(data, b"wrong")
    assert rsa_fingerprint(load_rsa_private_key(data, b"pw").public_key()) == rsa_fingerprint(
        private.public_key())
