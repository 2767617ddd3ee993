"""RSA-OAEP-SHA256 wrapping of the vault key to a PEM public key (2048 bits and up)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vaultui.crypto.errors import AuthenticationError, FormatError

#: Below 2048 bits RSA no longer gives 112-bit security (NIST SP 800-57); above 16384 bits a
#: hostile key would only make each unwrap slow.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 16384
#: The size of the public key text we are willing to parse.
MAX_PEM_SIZE = 64 * 1024


def _oaep() -> padding.OAEP:
    # OAEP with SHA-256 for both hash and MGF1 and no label: what `openssl pkeyutl
    # -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256` and most SDKs produce.
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()),
                        algorithm=hashes.SHA256(), label=None)


def _check_size(bits: int) -> None:
    if not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        raise FormatError(f"RSA keys must have {MIN_RSA_BITS} to {MAX_RSA_BITS} bits, "
                          f"this one has {bits}")


def load_rsa_public_key(data: bytes) -> rsa.RSAPublicKey:
    """An RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1) or DER; FormatError else."""
    if len(data) > MAX_PEM_SIZE:
        raise FormatError("the public key file is too large")
    key: object
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise FormatError("not an RSA public key in PEM or DER") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise FormatError("the public key is not an RSA key")
    _check_size(key.key_size)
    return key


def load_rsa_private_key(data: bytes, password: bytes | None = None) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM; FormatError when it is not one, or the password is wrong."""
    if len(data) > MAX_PEM_SIZE:
        raise FormatError("the private key file is too large")
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        # cryptography says TypeError for "needs a password" and "password given to an
        # unencrypted key"; both mean the caller must ask (or not ask) for one.
        raise FormatError("the private key needs a password" if password is None
                          else "the private key is not encrypted") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise FormatError("not a PEM private key, or the password is wrong") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise FormatError("the private key is not an RSA key")
    _check_size(key.key_size)
    return key


def public_key_der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def rsa_fingerprint(key: rsa.RSAPublicKey) -> str:
    """`SHA256:` and the unpadded base64 of the SHA-256 of the key's DER SubjectPublicKeyInfo."""
    digest = hashlib.sha256(public_key_der(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def rsa_wrap(key: rsa.RSAPublicKey, secret: bytes) -> bytes:
    return key.encrypt(secret, _oaep())


def rsa_unwrap(key: rsa.RSAPrivateKey, wrapped: bytes) -> bytes:
    """The wrapped secret; one opaque AuthenticationError for every failure."""
    try:
        return key.decrypt(wrapped, _oaep())
    except ValueError:
        raise AuthenticationError("this RSA key does not open the key slot") from None
