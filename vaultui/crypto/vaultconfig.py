"""vault.cryptomator: the HS256-signed JWT that names the format and cipher combo."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from vaultui.crypto.combos import CipherCombo as CipherCombo  # re-exported
from vaultui.crypto.constants import (
    DEFAULT_SHORTENING_THRESHOLD,
    MASTERKEY_FILENAME,
    MAX_CONFIG_FILE_SIZE,
    MIN_SHORTENING_THRESHOLD,
    VAULT_FORMAT,
)
from vaultui.crypto.errors import FormatError, InvalidSignatureError, UnsupportedVaultError
from vaultui.crypto.keys import Masterkey

MASTERKEY_KID_PREFIX = "masterkeyfile:"
DEFAULT_KID = MASTERKEY_KID_PREFIX + MASTERKEY_FILENAME
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
#: A vault config is a few hundred bytes; refusing huge input keeps parsing cheap.
_MAX_TOKEN_LENGTH = MAX_CONFIG_FILE_SIZE
#: base64url as JWTs use it; the standard alphabet and padding are accepted too, because
#: other tools (pycryptomator) write vault configs that way.
_BASE64 = re.compile(r"[A-Za-z0-9_\-+/]*={0,2}")


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str, what: str) -> bytes:
    # Python's decoder skips characters outside the alphabet; a JWT part with stray
    # characters is malformed, not a different spelling of the same bytes.
    if not _BASE64.fullmatch(part):
        raise FormatError(f"vault config: the {what} is not valid base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise FormatError(f"vault config: the {what} is not valid base64url") from None


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        obj = json.loads(_b64url_decode(part, what))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise FormatError(f"vault config: the {what} is not valid JSON") from None
    if not isinstance(obj, dict):
        raise FormatError(f"vault config: the {what} is not a JSON object")
    return obj


@dataclass(frozen=True)
class VaultConfig:
    """A vault config whose signature has been verified with the vault's key."""

    jti: str
    cipher_combo: CipherCombo
    shortening_threshold: int = DEFAULT_SHORTENING_THRESHOLD
    format: int = VAULT_FORMAT
    kid: str = DEFAULT_KID

    @classmethod
    def new(
        cls,
        cipher_combo: CipherCombo = CipherCombo.SIV_GCM,
        shortening_threshold: int = DEFAULT_SHORTENING_THRESHOLD,
    ) -> VaultConfig:
        _check_threshold(shortening_threshold)
        return cls(jti=str(uuid.uuid4()), cipher_combo=cipher_combo,
                   shortening_threshold=shortening_threshold)

    def to_token(self, masterkey: Masterkey) -> bytes:
        """The signed JWT, HS256 over the 64-byte raw key as Cryptomator signs it."""
        header = {"kid": self.kid, "typ": "JWT", "alg": "HS256"}
        payload = {
            "jti": self.jti,
            "format": self.format,
            "cipherCombo": self.cipher_combo.value,
            "shorteningThreshold": self.shortening_threshold,
        }
        signing_input = (
            _b64url_encode(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
        )
        signature = hmac.digest(masterkey.raw, signing_input.encode("ascii"), "sha256")
        return (signing_input + "." + _b64url_encode(signature)).encode("ascii")


def _check_threshold(value: int) -> None:
    if not MIN_SHORTENING_THRESHOLD <= value <= 2**16:
        raise UnsupportedVaultError(
            f"vault config: shorteningThreshold {value} is outside "
            f"{MIN_SHORTENING_THRESHOLD}..65536"
        )


@dataclass(frozen=True)
class UnverifiedVaultConfig:
    """A parsed vault config that nobody has checked yet: its claims are not to be trusted.

    Only `kid` (which key to load) and the claimed format (for a helpful error) are read
    from it before `verify` has checked the signature with the key.
    """

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @classmethod
    def parse(cls, token: bytes | str) -> UnverifiedVaultConfig:
        if isinstance(token, bytes):
            try:
                token = token.decode("ascii")
            except UnicodeDecodeError:
                raise FormatError("vault config is not an ASCII JWT") from None
        token = token.strip()
        if len(token) > _MAX_TOKEN_LENGTH:
            raise FormatError("vault config is too large to be a vault config")
        parts = token.split(".")
        if len(parts) != 3:
            raise FormatError("vault config is not a JWT (expected three dot-separated parts)")
        header = _json_part(parts[0], "header")
        payload = _json_part(parts[1], "payload")
        signature = _b64url_decode(parts[2], "signature")
        return cls(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)

    @property
    def kid(self) -> str:
        kid = self.header.get("kid")
        if not isinstance(kid, str):
            raise FormatError("vault config: header has no key id (kid)")
        return kid

    @property
    def claimed_format(self) -> object:
        return self.payload.get("format")

    def verify(self, masterkey: Masterkey) -> VaultConfig:
        """Check the signature with the key, then the claims; return the trusted config."""
        alg = self.header.get("alg")
        digest = _HASHES.get(alg) if isinstance(alg, str) else None
        if digest is None:
            raise UnsupportedVaultError(
                f"vault config: signature algorithm {alg!r} is not supported"
            )
        expected = hmac.digest(masterkey.raw, self.signing_input, digest)
        if not hmac.compare_digest(expected, self.signature):
            raise InvalidSignatureError()
        fmt = self.payload.get("format")
        if fmt != VAULT_FORMAT or isinstance(fmt, bool):
            raise UnsupportedVaultError(
                f"vault format {fmt!r} is not supported (vaultui reads format {VAULT_FORMAT})"
            )
        combo = self.payload.get("cipherCombo")
        try:
            cipher_combo = CipherCombo(str(combo))
        except ValueError:
            raise UnsupportedVaultError(
                f"vault config: cipher combo {combo!r} is not supported "
                f"(expected one of {', '.join(c.value for c in CipherCombo)})"
            ) from None
        threshold = self.payload.get("shorteningThreshold", DEFAULT_SHORTENING_THRESHOLD)
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise FormatError("vault config: shorteningThreshold is not an integer")
        _check_threshold(threshold)
        jti = self.payload.get("jti", "")
        if not isinstance(jti, str):
            raise FormatError("vault config: jti is not a string")
        return VaultConfig(jti=jti, cipher_combo=cipher_combo, shortening_threshold=threshold,
                           format=VAULT_FORMAT, kid=self.kid)
