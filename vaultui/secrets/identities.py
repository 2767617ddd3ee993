"""The private keys a user holds (age, SSH, RSA PEM) and how each opens a key slot."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keyslot import (
    KIND_AGE,
    KIND_AGE_SSH_ED25519,
    KIND_AGE_SSH_RSA,
    KIND_RSA_OAEP,
    KeySlot,
)
from vaultui.crypto.rsawrap import load_rsa_private_key, rsa_fingerprint, rsa_unwrap
from vaultui.secrets.recipients import Recipient, RecipientError, _pyrage, age_unwrap
from vaultui.secrets.store import KeyStore

#: Asked for a key file's passphrase, given the file's display name; None means "skip it".
PassphrasePrompt = Callable[[str], "str | None"]
#: The keyring item (a "vault id" in KeyStore terms) that holds the user's age identity.
AGE_IDENTITY_ITEM = "age-identity:default"
#: Key files larger than this are not private keys; refuse before reading them whole.
MAX_KEY_FILE_SIZE = 64 * 1024


class IdentityError(ValueError):
    """A private key file vaultui cannot use; the message says why."""


class Identity(Protocol):
    """Something that may open key slots of some kinds."""

    @property
    def description(self) -> str:
        """For messages: where the key came from ("~/.ssh/id_ed25519")."""
        ...

    def matches(self, slot: KeySlot) -> bool:
        """Whether this identity is the slot's recipient (from public data only)."""
        ...

    def unwrap(self, slot: KeySlot) -> bytes:
        """The slot's secret; AuthenticationError when this identity does not open it."""
        ...


def _read_key_file(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_KEY_FILE_SIZE + 1)
    except OSError as exc:
        raise IdentityError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_FILE_SIZE:
        raise IdentityError(f"{path} is too large to be a private key")
    return data


class AgeIdentity:
    """An age X25519 identity (`AGE-SECRET-KEY-1…`)."""

    def __init__(self, secret: str, description: str = "age identity") -> None:
        pyrage = _pyrage()
        try:
            self._identity = pyrage.x25519.Identity.from_str(secret.strip())
        except Exception:  # pyrage's IdentityError or ValueError
            raise IdentityError("not an age identity (AGE-SECRET-KEY-1…)") from None
        self._description = description
        self.recipient = str(self._identity.to_public())

    def __repr__(self) -> str:
        return f"AgeIdentity({self.recipient})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an age identity is not pickled")

    @classmethod
    def generate(cls) -> tuple[AgeIdentity, str]:
        """A new identity and its secret text (to store in the keyring, never on disk)."""
        secret = str(_pyrage().x25519.Identity.generate())
        return cls(secret), secret

    @classmethod
    def from_file(cls, path: Path) -> AgeIdentity:
        text = _read_key_file(path).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.startswith("AGE-SECRET-KEY-1"):
                return cls(line, str(path))
        raise IdentityError(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")

    @classmethod
    def from_store(cls, store: KeyStore) -> AgeIdentity | None:
        secret = store.get(AGE_IDENTITY_ITEM)
        return None if secret is None else cls(secret, "age identity in the keyring")

    @property
    def description(self) -> str:
        return self._description

    def matches(self, slot: KeySlot) -> bool:
        return slot.kind == KIND_AGE and slot.fingerprint == self.recipient

    def unwrap(self, slot: KeySlot) -> bytes:
        return age_unwrap(self._identity, slot.wrapped)


def _public_line(key: object) -> str:
    assert isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey)
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode("ascii")


class SshIdentity:
    """An OpenSSH private key (ed25519 or RSA); asks for its passphrase only when a slot
    for it exists, and only once."""

    def __init__(self, path: Path, prompt: PassphrasePrompt | None = None) -> None:
        self._path = path
        self._prompt = prompt
        self._data = _read_key_file(path)
        self._identity: object | None = None
        self._refused = False
        self._recipient = self._public_recipient()

    def __repr__(self) -> str:
        return f"SshIdentity({self._path})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an SSH identity is not pickled")

    @property
    def description(self) -> str:
        return str(self._path)

    def _public_recipient(self) -> Recipient | None:
        pub = self._path.with_name(self._path.name + ".pub")
        try:
            if pub.is_file() and pub.stat().st_size <= MAX_KEY_FILE_SIZE:
                return Recipient.parse(pub.read_text("ascii", "replace"))
        except (OSError, RecipientError):
            pass
        try:
            key = self._load(None)
        except IdentityError:
            return None  # encrypted and no .pub: try it on every slot of its kind
        return Recipient.parse(_public_line(key.public_key()))

    def _load(self, password: bytes | None) -> ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey:
        loader = (serialization.load_ssh_private_key
                  if b"OPENSSH PRIVATE KEY" in self._data
                  else serialization.load_pem_private_key)
        try:
            key = loader(self._data, password=password)
        except TypeError:
            raise IdentityError(f"{self._path} needs its passphrase") from None
        except UnsupportedAlgorithm as exc:
            # cryptography needs the bcrypt package for passphrase-protected OpenSSH keys.
            raise IdentityError(f"{self._path}: {exc} (pip install bcrypt)") from None
        except ValueError:
            raise IdentityError(f"{self._path}: wrong passphrase or not a private key") from None
        if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
            raise IdentityError(f"{self._path} is neither an ed25519 nor an RSA key")
        return key

    def matches(self, slot: KeySlot) -> bool:
        if slot.kind not in (KIND_AGE_SSH_ED25519, KIND_AGE_SSH_RSA):
            return False
        if self._recipient is None:
            return True
        return slot.kind == self._recipient.kind and slot.fingerprint == self._recipient.fingerprint

    def _pyrage_identity(self) -> object:
        if self._identity is not None:
            return self._identity
        if self._refused:
            raise AuthenticationError("no passphrase for this SSH key")
        try:
            key = self._load(None)
        except IdentityError:
            answer = self._prompt(str(self._path)) if self._prompt is not None else None
            if answer is None:
                self._refused = True
                raise AuthenticationError("no passphrase for this SSH key") from None
            try:
                key = self._load(answer.encode("utf-8"))
            except IdentityError:
                raise AuthenticationError(f"wrong passphrase for {self._path}") from None
        # pyrage reads unencrypted OpenSSH keys only: hand it the decrypted key in memory.
        clear = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.OpenSSH,
                                  serialization.NoEncryption())
        self._identity = _pyrage().ssh.Identity.from_buffer(clear)
        return self._identity

    def unwrap(self, slot: KeySlot) -> bytes:
        return age_unwrap(self._pyrage_identity(), slot.wrapped)


class RsaPemIdentity:
    """An RSA private key in PEM, for RSA-OAEP-SHA256 slots."""

    def __init__(self, path: Path, prompt: PassphrasePrompt | None = None) -> None:
        self._path = path
        data = _read_key_file(path)
        try:
            self._key = load_rsa_private_key(data)
        except FormatError:
            answer = prompt(str(path)) if prompt is not None else None
            if answer is None:
                raise IdentityError(f"{path} is not an RSA private key, or needs a "
                                    "passphrase") from None
            try:
                self._key = load_rsa_private_key(data, answer.encode("utf-8"))
            except FormatError as exc:
                raise IdentityError(f"{path}: {exc}") from None
        self._fingerprint = rsa_fingerprint(self._key.public_key())

    def __repr__(self) -> str:
        return f"RsaPemIdentity({self._path})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an RSA identity is not pickled")

    @property
    def description(self) -> str:
        return str(self._path)

    def matches(self, slot: KeySlot) -> bool:
        return slot.kind == KIND_RSA_OAEP and slot.fingerprint == self._fingerprint

    def unwrap(self, slot: KeySlot) -> bytes:
        return rsa_unwrap(self._key, slot.wrapped)


def identity_from_file(path: Path, prompt: PassphrasePrompt | None = None) -> Identity:
    """The identity in a key file, whichever kind it is (age, OpenSSH, RSA PEM)."""
    head = _read_key_file(path)
    if b"AGE-SECRET-KEY-1" in head:
        return AgeIdentity.from_file(path)
    if b"OPENSSH PRIVATE KEY" in head:
        return SshIdentity(path, prompt)
    if b"PRIVATE KEY-----" in head:
        return RsaPemIdentity(path, prompt)
    raise IdentityError(f"{path} is not an age, OpenSSH or PEM private key")


def default_identities(store: KeyStore | None, prompt: PassphrasePrompt | None = None,
                       home: Path | None = None) -> list[Identity]:
    """The identities a user holds without being asked: the age identity in the keyring,
    then ~/.ssh/id_ed25519 and ~/.ssh/id_rsa when they exist."""
    found: list[Identity] = []
    if store is not None:
        try:
            age = AgeIdentity.from_store(store)
        except Exception:  # a locked or missing keyring means "no age identity now"
            age = None
        if age is not None:
            found.append(age)
    ssh_dir = (home or Path(os.path.expanduser("~"))) / ".ssh"
    for name in ("id_ed25519", "id_rsa"):
        path = ssh_dir / name
        if path.is_file():
            try:
                found.append(SshIdentity(path, prompt))
            except IdentityError:
                continue
    return found


def key_fingerprint(raw_key: bytes) -> str:
    """A one-way fingerprint of a vault key for pinning (it reveals nothing of the key)."""
    digest = hashlib.sha256(b"vaultui key pin v1\0" + raw_key).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")
