"""Names and directories: AES-SIV names, directory-id paths, and .c9s shortening."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from vaultui.crypto.constants import (
    DATA_DIR_NAME,
    DEFAULT_SHORTENING_THRESHOLD,
    ENCRYPTED_NAME_SUFFIX,
    MAX_DIR_ID_LENGTH,
    SHORTENED_NAME_SUFFIX,
)
from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keys import Masterkey

_SIV_TAG_LENGTH = 16
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# bytes.translate: str.translate costs ten times as much, a microsecond per name.
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")


def normalize_name(name: str) -> str:
    """The NFC form: macOS writes NFD, everyone else NFC; the vault stores one of them."""
    return unicodedata.normalize("NFC", name)


def check_cleartext_name(name: str) -> str:
    """The NFC name, or FormatError if it cannot be a file name in a vault."""
    return normalize_name(check_name_as_given(name))


def check_name_as_given(name: str) -> str:
    """The name unchanged, or FormatError if it cannot be a file name in a vault."""
    if not name or name in (".", ".."):
        raise FormatError(f"{name!r} is not a valid file name")
    if "/" in name or "\\" in name or "\x00" in name:
        raise FormatError(f"{name!r} contains a character not allowed in file names")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError(f"{name!r} is not valid Unicode") from None
    return name


def check_dir_id(dir_id: str) -> bytes:
    try:
        data = dir_id.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form; it is malformed input like any other.
        raise FormatError("a directory id is not valid Unicode") from None
    if len(data) > MAX_DIR_ID_LENGTH:
        raise FormatError(f"a directory id is at most {MAX_DIR_ID_LENGTH} bytes")
    return data


def _decode_base64url(encrypted: str) -> bytes | None:
    """The bytes of strict, canonical base64url (with padding); None for anything else.

    Python's decoder skips characters outside the alphabet, which would let a sync
    client's "X (1)" conflict copy decrypt to the same name as X: the alphabet is checked
    first. Canonical: nothing after the padding, no stray bits, so that one stored name
    is the only spelling of its ciphertext.
    """
    if not _BASE64URL.fullmatch(encrypted):
        return None
    standard = encrypted.encode("ascii").translate(_TO_STANDARD_ALPHABET)
    try:
        sealed = binascii.a2b_base64(standard, strict_mode=True)
    except ValueError:  # binascii.Error
        return None
    return sealed if binascii.b2a_base64(sealed, newline=False) == standard else None


class NameCipher:
    """Encrypts names deterministically with AES-SIV under the vault's key.

    The parent directory's id is the associated data, so an encrypted name moved to
    another directory no longer decrypts. Cryptomator uses the encryption key for CTR
    and the MAC key for S2V, which in RFC 5297 key order is MAC key ‖ encryption key.
    """

    def __init__(self, masterkey: Masterkey) -> None:
        self._key = masterkey.mac_key + masterkey.enc_key
        self._siv = AESSIV(self._key)

    def __repr__(self) -> str:
        return "NameCipher(<redacted>)"

    def encrypt_name(self, name: str, parent_dir_id: str, *, as_given: bool = False) -> str:
        """base64url(SIV tag ‖ ciphertext) of the NFC name, without the .c9r suffix.

        With `as_given`, of the name exactly as given: what another writer stored under a
        name not in NFC is found only so.
        """
        checked = check_name_as_given(name) if as_given else check_cleartext_name(name)
        clear = checked.encode("utf-8")
        sealed = self._siv.encrypt(clear, [check_dir_id(parent_dir_id)])
        return base64.urlsafe_b64encode(sealed).decode("ascii")

    def decrypt_name(self, encrypted: str, parent_dir_id: str) -> str:
        """The cleartext of an encrypted name (without .c9r); AuthenticationError if forged."""
        sealed = _decode_base64url(encrypted)
        if sealed is None:
            raise FormatError("an encrypted name is not valid, canonical base64url")
        if len(sealed) < _SIV_TAG_LENGTH:
            raise FormatError("an encrypted name is too short")
        try:
            clear = self._siv.decrypt(sealed, [check_dir_id(parent_dir_id)])
        except InvalidTag:
            raise AuthenticationError() from None
        if not clear:
            # Authentic, but no writer of ours makes it; verify names it as what it is.
            raise FormatError("a decrypted name is empty")
        try:
            return clear.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError("a decrypted name is not valid UTF-8") from None

    def decrypt_names(self, encrypted: Iterable[str], parent_dir_id: str) -> list[str | None]:
        """decrypt_name for many names of one directory, in order: each cleartext, or None
        where decrypt_name would raise (malformed, forged, or from another directory).

        Listings decrypt every name of a folder; this does it at a third of the cost per
        name: the associated data is encoded once and no exception is raised for good names.
        FormatError only for a malformed directory id, as decrypt_name.
        """
        associated = [check_dir_id(parent_dir_id)]
        decrypt = self._siv.decrypt
        clear: list[str | None] = []
        append = clear.append
        for name in encrypted:
            sealed = _decode_base64url(name)
            if sealed is None or len(sealed) <= _SIV_TAG_LENGTH:
                append(None)
                continue
            try:
                append(decrypt(sealed, associated).decode("utf-8"))
            except (InvalidTag, UnicodeDecodeError):
                append(None)
        return clear

    def hash_dir_id(self, dir_id: str) -> str:
        """BASE32(SHA1(AES-SIV(dir id))) — 32 characters naming the directory's content folder."""
        sealed = self._siv.encrypt(check_dir_id(dir_id), None)
        digest = hashlib.sha1(sealed, usedforsecurity=False).digest()
        return base64.b32encode(digest).decode("ascii")

    def dir_path(self, dir_id: str) -> str:
        """Where a directory's children live, relative to the vault root: d/XX/YYYY…"""
        digest = self.hash_dir_id(dir_id)
        return f"{DATA_DIR_NAME}/{digest[:2]}/{digest[2:]}"


def shortened_name(c9r_name: str) -> str:
    """The .c9s name that stands for a long .c9r name: base64url(SHA1(name)) + .c9s."""
    digest = hashlib.sha1(c9r_name.encode("utf-8"), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii") + SHORTENED_NAME_SUFFIX


def storage_name(encrypted: str, threshold: int = DEFAULT_SHORTENING_THRESHOLD) -> str:
    """The node name on storage for an encrypted name: `X.c9r`, or its `.c9s` if too long."""
    c9r = encrypted + ENCRYPTED_NAME_SUFFIX
    return shortened_name(c9r) if len(c9r) > threshold else c9r


def max_cleartext_name_bytes(threshold: int = DEFAULT_SHORTENING_THRESHOLD) -> int:
    """The longest UTF-8 name stored unshortened (146 bytes at the default 220)."""
    return (threshold - len(ENCRYPTED_NAME_SUFFIX)) // 4 * 3 - _SIV_TAG_LENGTH
