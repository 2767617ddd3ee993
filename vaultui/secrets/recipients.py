"""Who a vault key can be wrapped for: age, SSH and RSA PEM public keys, and their slots."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keyslot import (
    KIND_AGE,
    KIND_AGE_SSH_ED25519,
    KIND_AGE_SSH_RSA,
    KIND_RSA_OAEP,
    MAX_RECIPIENT_LENGTH,
    KeySlot,
)
from vaultui.crypto.rsawrap import (
    load_rsa_public_key,
    public_key_der,
    rsa_fingerprint,
    rsa_wrap,
)

_SSH_KINDS = {"ssh-ed25519": KIND_AGE_SSH_ED25519, "ssh-rsa": KIND_AGE_SSH_RSA}


class RecipientError(ValueError):
    """A public key vaultui cannot wrap a vault key for; the message says why."""


def _pyrage() -> Any:
    try:
        import pyrage
    except ImportError:
        raise RecipientError("age and SSH recipients need pyrage "
                             "(pip install 'vaultui[sharing]')") from None
    return pyrage


def ssh_fingerprint(blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob (as `ssh-keygen -l` prints it)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _ssh_line(text: str) -> tuple[str, str, bytes]:
    """(type, base64, blob) of an OpenSSH public key line; RecipientError if it is not one."""
    parts = text.strip().split()
    if len(parts) < 2 or parts[0] not in _SSH_KINDS:
        raise RecipientError("an SSH public key starts with ssh-ed25519 or ssh-rsa")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise RecipientError("the SSH public key's base64 is damaged") from None
    # The blob names its own type; a line whose prefix disagrees is not to be trusted.
    if blob[4:4 + len(parts[0])] != parts[0].encode():
        raise RecipientError("the SSH public key's type does not match its data")
    return parts[0], parts[1], blob


@dataclass(frozen=True)
class Recipient:
    """A public key to wrap for: slot kind, the public key as stored, its fingerprint."""

    kind: str
    public: str
    fingerprint: str

    @classmethod
    def parse(cls, text: str | bytes) -> Recipient:
        """An `age1…` recipient, an OpenSSH `ssh-ed25519`/`ssh-rsa` line or an RSA PEM key."""
        raw = text.encode() if isinstance(text, str) else bytes(text)
        if len(raw) > MAX_RECIPIENT_LENGTH * 2:
            raise RecipientError("that public key is too long")
        stripped = raw.strip()
        if stripped.startswith(b"-----BEGIN"):
            try:
                key = load_rsa_public_key(stripped)
            except FormatError as exc:
                raise RecipientError(str(exc)) from None
            public = base64.b64encode(public_key_der(key)).decode("ascii")
            return cls(KIND_RSA_OAEP, public, rsa_fingerprint(key))
        try:
            line = stripped.decode("ascii")
        except UnicodeDecodeError:
            raise RecipientError("not an age, SSH or PEM public key") from None
        if line.startswith("age1"):
            pyrage = _pyrage()
            try:
                pyrage.x25519.Recipient.from_str(line)
            except Exception:  # pyrage raises its own RecipientError or ValueError
                raise RecipientError("not a valid age recipient (age1…)") from None
            # An age recipient is short and public: it is its own fingerprint.
            return cls(KIND_AGE, line, line)
        if line.startswith("ssh-"):
            kind, b64, blob = _ssh_line(line)
            # The comment (user@host) is left out: it is not part of the key.
            return cls(_SSH_KINDS[kind], f"{kind} {b64}", ssh_fingerprint(blob))
        raise RecipientError("not an age (age1…), SSH (ssh-ed25519, ssh-rsa) or PEM public key")

    def wrap(self, secret: bytes, label: str) -> KeySlot:
        """A slot holding `secret` (the 64-byte vault key) encrypted to this recipient."""
        if self.kind == KIND_RSA_OAEP:
            key = load_rsa_public_key(base64.b64decode(self.public))
            wrapped = rsa_wrap(key, secret)
        else:
            pyrage = _pyrage()
            if self.kind == KIND_AGE:
                target = pyrage.x25519.Recipient.from_str(self.public)
            else:
                target = pyrage.ssh.Recipient.from_str(self.public)
            wrapped = pyrage.encrypt(secret, [target])
        return KeySlot(label=label, kind=self.kind, recipient=self.public,
                       fingerprint=self.fingerprint, wrapped=wrapped)

    @classmethod
    def of_slot(cls, slot: KeySlot) -> Recipient:
        """The recipient a slot was made for (to wrap a new key for it, as rotation does)."""
        return cls(slot.kind, slot.recipient, slot.fingerprint)


def age_unwrap(identity: object, wrapped: bytes) -> bytes:
    """Decrypt an age slot with a pyrage identity; AuthenticationError if it does not match."""
    pyrage = _pyrage()
    try:
        return bytes(pyrage.decrypt(wrapped, [identity]))
    except Exception:  # pyrage.DecryptError and friends: one opaque failure
        raise AuthenticationError("this identity does not open the key slot") from None
