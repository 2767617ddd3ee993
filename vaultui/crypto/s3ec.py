"""AWS S3 Encryption Client v2 objects: the envelope's metadata and AES-GCM content."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from vaultui.crypto.errors import AuthenticationError, FormatError

CEK_ALG = "AES/GCM/NoPadding"
WRAP_ALG = "kms+context"
#: The client puts the content algorithm into the KMS encryption context under this key,
#: so a data key cannot be reused with another algorithm.
CONTEXT_CEK_ALG = "aws:x-amz-cek-alg"
KEY_V2 = "x-amz-key-v2"
IV = "x-amz-iv"
CEK = "x-amz-cek-alg"
WRAP = "x-amz-wrap-alg"
MATDESC = "x-amz-matdesc"
TAG_LEN = "x-amz-tag-len"
#: Metadata of an object whose envelope is in `<key>.instruction` instead.
INSTRUCTION_FILE_FLAG = "x-amz-crypto-instr-file"
INSTRUCTION_SUFFIX = ".instruction"
GCM_TAG_SIZE = 16
GCM_IV_SIZE = 12
#: An envelope (metadata or instruction file) larger than this is not one.
MAX_ENVELOPE_SIZE = 16 * 1024


@dataclass(frozen=True)
class Envelope:
    """What decrypting one object needs, as the v2 client wrote it (unverified)."""

    encrypted_key: bytes = field(repr=False)
    iv: bytes
    context: dict[str, str]


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > MAX_ENVELOPE_SIZE:
        raise FormatError(f"S3 encryption client envelope: {what} is not base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(f"S3 encryption client envelope: {what} is not base64") from None


def is_v2_envelope(meta: Mapping[str, str]) -> bool:
    return KEY_V2 in meta


def parse_instruction_file(data: bytes) -> dict[str, str]:
    if len(data) > MAX_ENVELOPE_SIZE:
        raise FormatError("an S3 encryption client instruction file is at most 16 KiB")
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatError("the instruction file is not UTF-8 JSON") from None
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        raise FormatError("the instruction file is not a JSON object of strings")
    return obj


def parse_envelope(meta: Mapping[str, str]) -> Envelope:
    """The v2 KMS envelope in `meta` (object metadata or an instruction file)."""
    if sum(len(str(k)) + len(str(v)) for k, v in meta.items()) > MAX_ENVELOPE_SIZE:
        raise FormatError("S3 encryption client envelope: too large")
    if KEY_V2 not in meta:
        raise FormatError("not an S3 encryption client v2 object (no x-amz-key-v2); the v1 "
                          "format (AES-CBC) is not read")
    if meta.get(CEK) != CEK_ALG:
        raise FormatError(f"S3 encryption client: content algorithm {meta.get(CEK)!r} is not "
                          f"{CEK_ALG}")
    if meta.get(WRAP) != WRAP_ALG:
        raise FormatError(f"S3 encryption client: key wrapping {meta.get(WRAP)!r} is not "
                          f"{WRAP_ALG} (only KMS-wrapped keys are read)")
    if meta.get(TAG_LEN, "128") != "128":
        raise FormatError("S3 encryption client: only 128-bit GCM tags are read")
    iv = _b64(meta.get(IV), IV)
    if len(iv) != GCM_IV_SIZE:
        raise FormatError("S3 encryption client: the IV is not 12 bytes")
    try:
        context = json.loads(meta.get(MATDESC, "{}"))
    except (ValueError, RecursionError):
        raise FormatError("S3 encryption client: x-amz-matdesc is not JSON") from None
    if not isinstance(context, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in context.items()):
        raise FormatError("S3 encryption client: x-amz-matdesc is not an object of strings")
    if context.get(CONTEXT_CEK_ALG) != CEK_ALG:
        # The client binds the algorithm into the KMS context; without it KMS would refuse
        # anyway, but say why here.
        raise FormatError("S3 encryption client: x-amz-matdesc lacks aws:x-amz-cek-alg")
    return Envelope(_b64(meta[KEY_V2], KEY_V2), iv, context)


class GcmObjectDecryptor:
    """AES-256-GCM of a whole object, streamed: `update` gives plaintext that counts only
    once `finalize` has checked the tag (the last 16 bytes of the object, given up front)."""

    def __init__(self, key: bytes, iv: bytes, tag: bytes) -> None:
        if len(key) != 32 or len(iv) != GCM_IV_SIZE or len(tag) != GCM_TAG_SIZE:
            raise FormatError("S3 encryption client: a 32-byte key, 12-byte IV and 16-byte tag")
        self._dec = Cipher(algorithms.AES(key), modes.GCM(iv, tag)).decryptor()

    def update(self, data: bytes) -> bytes:
        return self._dec.update(data)

    def finalize(self) -> bytes:
        try:
            return self._dec.finalize()
        except InvalidTag:
            raise AuthenticationError() from None
