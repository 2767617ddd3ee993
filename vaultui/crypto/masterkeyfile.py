"""masterkey.cryptomator: scrypt-derived key-encryption key wrapping the two vault keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from vaultui.crypto.constants import (
    DEFAULT_SCRYPT_BLOCK_SIZE,
    DEFAULT_SCRYPT_COST,
    KEY_LENGTH,
    MASTERKEY_FILE_VERSION,
    MAX_MASTERKEY_FILE_SIZE,
    MAX_SCRYPT_MEMORY,
    MIN_SCRYPT_COST,
    SCRYPT_PARALLELISM,
    SCRYPT_SALT_LENGTH,
)
from vaultui.crypto.errors import FormatError, WrongPassphraseError
from vaultui.crypto.keys import Masterkey, RandomBytes

_WRAPPED_KEY_LENGTH = KEY_LENGTH + 8


def scrypt_memory(cost: int, block_size: int) -> int:
    """Bytes scrypt allocates for these parameters (its V array dominates)."""
    return 128 * cost * block_size


def check_scrypt_parameters(cost: int, block_size: int) -> None:
    """Reject parameters scrypt cannot take or that would cost more memory than we allow."""
    if cost < MIN_SCRYPT_COST or cost & (cost - 1):
        raise FormatError(
            f"scrypt cost {cost} is not a power of two of at least {MIN_SCRYPT_COST}"
        )
    if not 1 <= block_size <= 64:
        raise FormatError(f"scrypt block size {block_size} is outside 1..64")
    if scrypt_memory(cost, block_size) > MAX_SCRYPT_MEMORY:
        raise FormatError(
            f"scrypt parameters N={cost}, r={block_size} would need "
            f"{scrypt_memory(cost, block_size) // 2**20} MiB, more than the "
            f"{MAX_SCRYPT_MEMORY // 2**20} MiB we allow"
        )


def normalize_passphrase(passphrase: str) -> bytes:
    """UTF-8 of the NFC form, so the same passphrase typed on any OS gives the same key."""
    try:
        return unicodedata.normalize("NFC", passphrase).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form, so no key can be derived from it.
        raise FormatError("the passphrase is not valid Unicode") from None


def derive_kek(
    passphrase: str, salt: bytes, cost: int, block_size: int, pepper: bytes = b""
) -> bytes:
    """The 256-bit key-encryption key: scrypt(passphrase, salt ‖ pepper, N, r, p=1)."""
    check_scrypt_parameters(cost, block_size)
    return hashlib.scrypt(
        normalize_passphrase(passphrase),
        salt=salt + pepper,
        n=cost,
        r=block_size,
        p=SCRYPT_PARALLELISM,
        maxmem=scrypt_memory(cost, block_size) + 2**20,
        dklen=KEY_LENGTH,
    )


def _version_mac(mac_key: bytes, version: int) -> bytes:
    return hmac.digest(mac_key, version.to_bytes(4, "big", signed=True), "sha256")


def _b64decode(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise FormatError(f"masterkey file: {field} is not a string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise FormatError(f"masterkey file: {field} is not valid base64") from None


def _int(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"masterkey file: {field} is not an integer")
    return value


@dataclass(frozen=True, repr=False)
class MasterkeyFile:
    """The parsed content of masterkey.cryptomator. Holds only wrapped keys."""

    version: int
    scrypt_salt: bytes
    scrypt_cost: int
    scrypt_block_size: int
    wrapped_enc_key: bytes
    wrapped_mac_key: bytes
    version_mac: bytes

    def __repr__(self) -> str:
        return (
            f"MasterkeyFile(version={self.version}, scrypt_cost={self.scrypt_cost}, "
            f"scrypt_block_size={self.scrypt_block_size})"
        )

    @classmethod
    def parse(cls, data: bytes) -> MasterkeyFile:
        """Parse the JSON file; the scrypt parameters are checked against our caps here."""
        if len(data) > MAX_MASTERKEY_FILE_SIZE:
            raise FormatError("masterkey file is too large to be a masterkey file")
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise FormatError("masterkey file is not valid JSON") from None
        if not isinstance(obj, dict):
            raise FormatError("masterkey file is not a JSON object")
        missing = [
            k
            for k in ("scryptSalt", "scryptCostParam", "scryptBlockSize", "primaryMasterKey",
                      "hmacMasterKey", "versionMac")
            if k not in obj
        ]
        if missing:
            raise FormatError(f"masterkey file lacks {', '.join(missing)}")
        parsed = cls(
            version=_int(obj.get("version", MASTERKEY_FILE_VERSION), "version"),
            scrypt_salt=_b64decode(obj["scryptSalt"], "scryptSalt"),
            scrypt_cost=_int(obj["scryptCostParam"], "scryptCostParam"),
            scrypt_block_size=_int(obj["scryptBlockSize"], "scryptBlockSize"),
            wrapped_enc_key=_b64decode(obj["primaryMasterKey"], "primaryMasterKey"),
            wrapped_mac_key=_b64decode(obj["hmacMasterKey"], "hmacMasterKey"),
            version_mac=_b64decode(obj["versionMac"], "versionMac"),
        )
        if not -(2**31) <= parsed.version < 2**31:
            raise FormatError("masterkey file: version is out of range")
        if len(parsed.wrapped_enc_key) != _WRAPPED_KEY_LENGTH or len(
            parsed.wrapped_mac_key
        ) != _WRAPPED_KEY_LENGTH:
            raise FormatError("masterkey file: a wrapped key has the wrong length")
        check_scrypt_parameters(parsed.scrypt_cost, parsed.scrypt_block_size)
        return parsed

    def to_bytes(self) -> bytes:
        obj = {
            "version": self.version,
            "scryptSalt": base64.b64encode(self.scrypt_salt).decode("ascii"),
            "scryptCostParam": self.scrypt_cost,
            "scryptBlockSize": self.scrypt_block_size,
            "primaryMasterKey": base64.b64encode(self.wrapped_enc_key).decode("ascii"),
            "hmacMasterKey": base64.b64encode(self.wrapped_mac_key).decode("ascii"),
            "versionMac": base64.b64encode(self.version_mac).decode("ascii"),
        }
        return json.dumps(obj, indent=2).encode("utf-8")

    @classmethod
    def wrap(
        cls,
        masterkey: Masterkey,
        passphrase: str,
        *,
        scrypt_cost: int = DEFAULT_SCRYPT_COST,
        scrypt_block_size: int = DEFAULT_SCRYPT_BLOCK_SIZE,
        pepper: bytes = b"",
        randbytes: RandomBytes = secrets.token_bytes,
    ) -> MasterkeyFile:
        """Wrap the key under a fresh salt and a KEK derived from the passphrase."""
        salt = randbytes(SCRYPT_SALT_LENGTH)
        kek = derive_kek(passphrase, salt, scrypt_cost, scrypt_block_size, pepper)
        return cls(
            version=MASTERKEY_FILE_VERSION,
            scrypt_salt=salt,
            scrypt_cost=scrypt_cost,
            scrypt_block_size=scrypt_block_size,
            wrapped_enc_key=aes_key_wrap(kek, masterkey.enc_key),
            wrapped_mac_key=aes_key_wrap(kek, masterkey.mac_key),
            version_mac=_version_mac(masterkey.mac_key, MASTERKEY_FILE_VERSION),
        )

    def unlock(self, passphrase: str, pepper: bytes = b"") -> Masterkey:
        """The vault key, or WrongPassphraseError when the key unwrap fails its integrity check."""
        kek = derive_kek(
            passphrase, self.scrypt_salt, self.scrypt_cost, self.scrypt_block_size, pepper
        )
        try:
            enc_key = aes_key_unwrap(kek, self.wrapped_enc_key)
            mac_key = aes_key_unwrap(kek, self.wrapped_mac_key)
        except InvalidUnwrap:
            raise WrongPassphraseError() from None
        if not hmac.compare_digest(_version_mac(mac_key, self.version), self.version_mac):
            # The keys unwrapped, so the passphrase is right: the file itself was altered.
            raise FormatError("masterkey file: the version MAC does not match (file altered)")
        return Masterkey(enc_key, mac_key)

    def rewrap(
        self,
        old_passphrase: str,
        new_passphrase: str,
        pepper: bytes = b"",
        randbytes: RandomBytes = secrets.token_bytes,
    ) -> MasterkeyFile:
        """Same keys under a new passphrase and a new salt, same scrypt cost."""
        key = self.unlock(old_passphrase, pepper)
        fresh = MasterkeyFile.wrap(
            key,
            new_passphrase,
            scrypt_cost=self.scrypt_cost,
            scrypt_block_size=self.scrypt_block_size,
            pepper=pepper,
            randbytes=randbytes,
        )
        return replace(fresh, version=self.version,
                       version_mac=_version_mac(key.mac_key, self.version))


def backup_file_suffix(masterkey_file_bytes: bytes) -> str:
    """The `.<8 hex>` Cryptomator puts between masterkey.cryptomator and `.bkup`.

    It is the first 4 bytes of SHA-256 of the file, so a backup is tied to the content it
    saves and a later backup of different content does not overwrite it.
    """
    return "." + hashlib.sha256(masterkey_file_bytes).hexdigest()[:8].upper()
