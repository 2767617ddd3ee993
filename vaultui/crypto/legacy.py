"""Reading fsspec-encrypted's two file formats, for importing them into a vault.

* Up to 0.4: the file is one or more concatenated Fernet tokens (an append added a token).
  Each token is base64url text with its own HMAC-SHA256, so tokens are found by trying
  each possible boundary and keeping the one whose MAC verifies; fsspec-encrypted itself
  split on b"==", which silently loses data whenever a token ends in one or no "=".
* Later versions (0.8 on PyPI): 16-byte IV ‖ AES-256-CBC(PKCS7(plaintext)), with no MAC at
  all. Decrypting cannot tell a modified file from a genuine one; a wrong key shows only
  as invalid padding (and 1 time in about 256 not even that).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import constant_time, hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from vaultui.crypto.errors import AuthenticationError, FormatError

#: A Fernet token is version 0x80 ‖ 8-byte big-endian timestamp ‖ …; until the year
#: 2106 the timestamp's first four bytes are zero, so every token's text starts like this.
FERNET_PREFIX = b"gAAAAA"
#: version + timestamp + IV + HMAC; the ciphertext adds whole 16-byte blocks (at least one).
_FERNET_OVERHEAD = 1 + 8 + 16 + 32
_MIN_FERNET_TEXT = 100  # base64 of the smallest token (73 bytes)
_BASE64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
CBC_IV_SIZE = 16
_BLOCK = 16
#: fs-enc gen-key --passphrase: PBKDF2-HMAC-SHA256 with this many iterations, 32 bytes.
FSENC_PBKDF2_ITERATIONS = 100_000


class LegacyFormat(StrEnum):
    FERNET = "fernet"
    CBC = "cbc"


class LegacyDecryptionError(AuthenticationError):
    """The key does not decrypt this file, or the file was damaged."""

    def __init__(self, message: str = "the key does not decrypt this file, or the file is "
                 "damaged") -> None:
        super().__init__(message)


def legacy_key(text: str) -> bytes:
    """The raw key from its base64 text (standard or URL-safe; both versions used 32 bytes)."""
    token = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise FormatError("the fsspec-encrypted key is not base64") from None
    if len(raw) not in (16, 24, 32):
        raise FormatError(f"an fsspec-encrypted key is 32 bytes; this one is {len(raw)}")
    return raw


def legacy_key_from_passphrase(passphrase: str, salt_hex: str) -> bytes:
    """The key `fs-enc gen-key --passphrase P --salt HEX` derived (both generations alike).

    PBKDF2-HMAC-SHA256 over the passphrase's UTF-8 (not normalised, as fs-enc did it) and the
    salt given in hex; 0.4 printed the result in URL-safe base64, later versions in standard
    base64, but the bytes are the same.
    """
    try:
        salt = bytes.fromhex(salt_hex.strip())
    except ValueError:
        raise FormatError("the fsspec-encrypted salt is not hex") from None
    if not salt:
        raise FormatError("the fsspec-encrypted salt is empty")
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt,
                               FSENC_PBKDF2_ITERATIONS, dklen=32)


def detect_format(head: bytes) -> LegacyFormat:
    """Fernet files are base64url text starting with a token; anything else is CBC."""
    if head.startswith(FERNET_PREFIX) and all(b in _BASE64URL for b in head):
        return LegacyFormat.FERNET
    return LegacyFormat.CBC


def _fernet(key: bytes) -> Fernet:
    if len(key) != 32:
        raise FormatError("a Fernet key is 32 bytes")
    return Fernet(base64.urlsafe_b64encode(key))


def _plausible_length(text_length: int, padding_chars: int) -> bool:
    size = text_length // 4 * 3 - padding_chars
    return size >= _FERNET_OVERHEAD + _BLOCK and (size - _FERNET_OVERHEAD) % _BLOCK == 0


def decrypt_fernet(data: bytes, key: bytes) -> bytes:
    """The plaintext of concatenated Fernet tokens, each verified before it is used.

    Time and memory are linear in the input: each byte of text is decoded and MACed
    once, whatever the input holds.
    """
    fernet = _fernet(key)
    data = data.strip()
    if not data:
        return b""
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        plain, pos = _next_token(fernet, key[:16], data, pos)
        out.append(plain)
    return b"".join(out)


def _try(fernet: Fernet, token: bytes) -> bytes | None:
    try:
        return fernet.decrypt(token)
    except InvalidToken:
        return None


def _decode(text: bytes) -> bytes:
    """base64url text to bytes; binascii.Error for anything else."""
    return base64.b64decode(text, altchars=b"-_", validate=True)


def _next_token(fernet: Fernet, signing_key: bytes, data: bytes, pos: int
                ) -> tuple[bytes, int]:
    """Decrypt the token that starts at `pos`; returns its plaintext and where it ends.

    Nothing marks where a token ends. Each place where another token could start is a
    candidate end, and the token is the shortest candidate whose MAC verifies. Trying
    each candidate with Fernet would decode and MAC the text again every time (4.5 MB
    of junk took 16 s, quadratic); instead the text is decoded once, front to back, into
    one running HMAC, and each candidate costs a copy of its state and one block. Only
    the candidate whose tag matches is then handed to Fernet, which checks it in full.
    """
    if not data.startswith(FERNET_PREFIX, pos):
        raise LegacyDecryptionError("not a Fernet token where one should start")
    # "=" only ever pads the end of a token, so a token never runs past its first one.
    eq = data.find(b"=", pos)
    limit = len(data) if eq < 0 else pos + ((eq - pos) // 4 + 1) * 4
    limit = min(limit, len(data))
    mac = hmac.HMAC(signing_key, hashes.SHA256())
    decoded = bytearray()
    maced = 0  # how much of `decoded` the running HMAC has seen
    done = pos  # how far the text is decoded
    for cut in _candidate_ends(data, pos, limit):
        if cut <= done:
            continue
        try:
            decoded += _decode(data[done:cut])
        except binascii.Error:
            break  # not base64 (or padding inside): no token runs past this point
        done = cut
        tag_start = len(decoded) - 32
        if tag_start < _FERNET_OVERHEAD - 32 + _BLOCK:
            continue
        mac.update(bytes(decoded[maced:tag_start]))
        maced = tag_start
        if constant_time.bytes_eq(mac.copy().finalize(), bytes(decoded[tag_start:])):
            plain = _try(fernet, data[pos:cut])
            if plain is not None:
                return plain, cut
    raise LegacyDecryptionError()


def _candidate_ends(data: bytes, pos: int, limit: int) -> Iterator[int]:
    """Where the token starting at `pos` may end, in order: before each later place where a
    token could start (at a whole number of base64 quads and a plausible length), else
    at `limit`."""
    start = pos + _MIN_FERNET_TEXT
    while True:
        cut = data.find(FERNET_PREFIX, start, limit)
        if cut < 0:
            break
        if (cut - pos) % 4 == 0 and _plausible_length(cut - pos, 0):
            yield cut
        start = cut + 1
    yield limit


class CbcDecryptor:
    """Streaming decryption of a CBC-generation file: feed bytes, then `finalize()`.

    Nothing authenticates the result: the caller must hold on to its output until
    `finalize()` has checked the padding, and even then treat it as unverified.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise FormatError("an AES key is 16, 24 or 32 bytes")
        self._key = key
        self._iv = b""
        self._decryptor: CipherContext | None = None
        self._unpadder = padding.PKCS7(128).unpadder()
        self._count = 0

    def update(self, data: bytes) -> bytes:
        if self._decryptor is None:
            need = CBC_IV_SIZE - len(self._iv)
            self._iv += data[:need]
            data = data[need:]
            if len(self._iv) < CBC_IV_SIZE:
                return b""
            self._decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        self._count += len(data)
        return self._unpadder.update(self._decryptor.update(data))

    def finalize(self) -> bytes:
        if self._decryptor is None or self._count == 0 or self._count % _BLOCK:
            raise LegacyDecryptionError("the file is not an AES-CBC file of fsspec-encrypted "
                                        "(its length is wrong)")
        tail = self._decryptor.finalize()
        try:
            return bytes(self._unpadder.update(tail) + self._unpadder.finalize())
        except ValueError:
            raise LegacyDecryptionError() from None


def decrypt_cbc(data: bytes, key: bytes) -> bytes:
    dec = CbcDecryptor(key)
    return dec.update(data) + dec.finalize()
