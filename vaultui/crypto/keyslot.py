"""Key slot files: extra wrappings of a vault's 64-byte key, one small JSON file per slot."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vaultui.crypto.errors import FormatError

#: The folder beside masterkey.cryptomator that holds the slots; Cryptomator reads only
#: masterkey.cryptomator, vault.cryptomator and d/, so it never looks here.
SLOT_DIR_NAME = "keys"
SLOT_SUFFIX = ".slot"
SLOT_FORMAT = 1
#: Bounds checked before and while parsing: a hostile storage must not make us read or
#: decode more than this for one slot.
MAX_SLOT_FILE_SIZE = 16 * 1024
MAX_WRAPPED_SIZE = 8 * 1024
MAX_LABEL_LENGTH = 200
MAX_RECIPIENT_LENGTH = 4096
MAX_FINGERPRINT_LENGTH = 200

#: What wrapped the key: age (to an X25519 recipient or an SSH key), RSA-OAEP-SHA256 to a
#: PEM public key, or a cloud KMS.
KIND_AGE = "age"
KIND_AGE_SSH_ED25519 = "age-ssh-ed25519"
KIND_AGE_SSH_RSA = "age-ssh-rsa"
KIND_RSA_OAEP = "rsa-oaep-sha256"
KIND_AWS_KMS = "aws-kms"
KINDS = frozenset({KIND_AGE, KIND_AGE_SSH_ED25519, KIND_AGE_SSH_RSA, KIND_RSA_OAEP,
                   KIND_AWS_KMS})

_FIELDS = ("format", "label", "kind", "recipient", "fingerprint", "created", "wrapped")
_CREATED = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_B64 = re.compile(r"\A[A-Za-z0-9+/]*={0,2}\Z")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _printable(text: str, what: str, limit: int) -> str:
    if not text or len(text) > limit:
        raise FormatError(f"a key slot's {what} must have 1 to {limit} characters")
    if any(not ch.isprintable() for ch in text):
        raise FormatError(f"a key slot's {what} holds control characters")
    return text


def slot_file_name(kind: str, fingerprint: str) -> str:
    """The file name of a slot: one recipient (kind and fingerprint) has exactly one name,
    so adding the same recipient twice meets the existing file instead of a second slot."""
    digest = hashlib.sha256(f"{kind}\n{fingerprint}".encode()).hexdigest()[:32]
    return digest + SLOT_SUFFIX


@dataclass(frozen=True)
class KeySlot:
    """One wrapping of the vault key. Parsing checks the shape only: what unwraps it must
    still verify the vault config's signature with the key it gets."""

    label: str
    kind: str
    recipient: str
    fingerprint: str
    wrapped: bytes = field(repr=False)
    created: str = field(default_factory=_now)

    def __post_init__(self) -> None:
        _printable(self.label, "label", MAX_LABEL_LENGTH)
        if self.kind not in KINDS:
            raise FormatError(f"unknown key slot kind {self.kind!r}")
        _printable(self.recipient, "recipient", MAX_RECIPIENT_LENGTH)
        _printable(self.fingerprint, "fingerprint", MAX_FINGERPRINT_LENGTH)
        if not _CREATED.match(self.created):
            raise FormatError("a key slot's creation time is not YYYY-MM-DDTHH:MM:SSZ")
        if not 0 < len(self.wrapped) <= MAX_WRAPPED_SIZE:
            raise FormatError(f"a key slot's wrapped key must have 1 to {MAX_WRAPPED_SIZE} bytes")

    @property
    def file_name(self) -> str:
        return slot_file_name(self.kind, self.fingerprint)

    def to_bytes(self) -> bytes:
        doc = {
            "format": SLOT_FORMAT,
            "label": self.label,
            "kind": self.kind,
            "recipient": self.recipient,
            "fingerprint": self.fingerprint,
            "created": self.created,
            "wrapped": base64.b64encode(self.wrapped).decode("ascii"),
        }
        data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        if len(data) > MAX_SLOT_FILE_SIZE:
            raise FormatError("this key slot would exceed the slot file size limit")
        return data

    @classmethod
    def parse(cls, data: bytes) -> KeySlot:
        """The slot in `data`, or FormatError; never another exception."""
        if len(data) > MAX_SLOT_FILE_SIZE:
            raise FormatError(f"a key slot file is at most {MAX_SLOT_FILE_SIZE} bytes")
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise FormatError("a key slot file is not UTF-8 JSON") from exc
        if not isinstance(doc, dict) or sorted(doc) != sorted(_FIELDS):
            raise FormatError(f"a key slot file is a JSON object with exactly {_FIELDS}")
        version = doc["format"]
        if type(version) is not int or version != SLOT_FORMAT:
            raise FormatError(f"unsupported key slot format {version!r}")
        texts = [doc[name] for name in _FIELDS[1:]]
        if not all(isinstance(value, str) for value in texts):
            raise FormatError("a key slot's fields other than format are strings")
        wrapped_text = doc["wrapped"]
        if len(wrapped_text) > MAX_WRAPPED_SIZE * 4 // 3 + 4 or not _B64.match(wrapped_text):
            raise FormatError("a key slot's wrapped key is not base64 of a bounded size")
        try:
            wrapped = base64.b64decode(wrapped_text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FormatError("a key slot's wrapped key is not base64") from exc
        return cls(label=doc["label"], kind=doc["kind"], recipient=doc["recipient"],
                   fingerprint=doc["fingerprint"], created=doc["created"], wrapped=wrapped)
