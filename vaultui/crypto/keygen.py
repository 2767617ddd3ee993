"""Standalone 64-byte keys: random or scrypt-derived from a passphrase, as text and as words.

These keys are for `vaultui-cli encrypt/decrypt` (one file under a key, no vault). A key is
a vault master key (encryption key ‖ MAC key), so the same text forms serve both: base64url
and Cryptomator's 44-word recovery key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from vaultui.crypto import constants
from vaultui.crypto.constants import RAW_MASTERKEY_LENGTH, SCRYPT_PARALLELISM
from vaultui.crypto.errors import FormatError, RecoveryKeyError
from vaultui.crypto.keys import Masterkey, RandomBytes
from vaultui.crypto.masterkeyfile import (
    check_scrypt_parameters,
    normalize_passphrase,
    scrypt_memory,
)
from vaultui.crypto.recovery import WORD_COUNT, decode_recovery_key, encode_recovery_key

#: scrypt N for derived keys (defined in constants so the CLI's help shows it cheaply).
DEFAULT_DERIVE_COST = constants.DEFAULT_DERIVE_COST
DERIVE_BLOCK_SIZE = 8
#: Random salts are 16 bytes (128 bits), written as 22 base64url characters.
SALT_BYTES = 16


def random_key(randbytes: RandomBytes = secrets.token_bytes) -> Masterkey:
    """A fresh random key from the OS's CSPRNG."""
    return Masterkey.generate(randbytes)


def new_salt(randbytes: RandomBytes = secrets.token_bytes) -> str:
    """A random salt as text; the salt's bytes are this text's UTF-8 bytes."""
    return base64.urlsafe_b64encode(randbytes(SALT_BYTES)).rstrip(b"=").decode("ascii")


def derive_key(passphrase: str, salt: str, cost: int = DEFAULT_DERIVE_COST,
               block_size: int = DERIVE_BLOCK_SIZE) -> Masterkey:
    """scrypt(NFC-UTF-8 passphrase, UTF-8 salt, N=cost, r, p=1) → 64 bytes: deterministic.

    The salt is taken as text (its UTF-8 bytes), so what `new_salt` printed can be typed
    back unchanged; any other text works as a salt too.
    """
    if not passphrase:
        raise FormatError("the passphrase is empty")
    if not salt:
        raise FormatError("the salt is empty")
    check_scrypt_parameters(cost, block_size)
    raw = hashlib.scrypt(
        normalize_passphrase(passphrase), salt=salt.encode("utf-8"), n=cost, r=block_size,
        p=SCRYPT_PARALLELISM, maxmem=scrypt_memory(cost, block_size) + 2**20,
        dklen=RAW_MASTERKEY_LENGTH,
    )
    return Masterkey.from_raw(raw)


def key_to_text(key: Masterkey) -> str:
    """The key as unpadded base64url (86 characters)."""
    return base64.urlsafe_b64encode(key.raw).rstrip(b"=").decode("ascii")


def key_to_words(key: Masterkey) -> str:
    """The key as Cryptomator's 44-word recovery key."""
    return encode_recovery_key(key)


def key_from_text(text: str) -> Masterkey:
    """A key from base64url (or standard base64, padded or not) or from 44 recovery words."""
    words = text.split()
    if len(words) == WORD_COUNT:
        return decode_recovery_key(text)
    if len(words) != 1:
        raise RecoveryKeyError(
            f"a key is one base64url word or {WORD_COUNT} recovery words; got {len(words)} words"
        )
    token = words[0].replace("-", "+").replace("_", "/").rstrip("=")
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise FormatError("the key is neither base64url nor recovery words") from None
    if len(raw) != RAW_MASTERKEY_LENGTH:
        raise FormatError(f"a key is {RAW_MASTERKEY_LENGTH} bytes; this one is {len(raw)}")
    return Masterkey.from_raw(raw)
