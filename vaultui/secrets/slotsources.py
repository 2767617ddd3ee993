"""Key slots as key sources: a process opens a vault by itself with its own identity or KMS.

Each source holds a slot file's bytes (public: they are readable in `keys/`) and where to
find the private part, never a secret, so it can be pickled to a Dask worker. `load` is
the key-source protocol (vaultui.crypto.keysource: vault id and a passphrase unwrapper in,
the 64-byte raw key out), so `VaultFileSystem(..., key_source=KmsSlotSource(slot))` works:
the worker's own AWS identity, or identity file, does the unwrapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keyslot import KIND_AWS_KMS, KeySlot
from vaultui.crypto.keysource import KeySourceError, Unwrap
from vaultui.secrets.identities import IdentityError, identity_from_file
from vaultui.secrets.kms import AwsKms, KmsError


class SlotSourceError(KeySourceError):
    """This slot gave no key here; the message says why (never the key)."""


@dataclass(frozen=True)
class KmsSlotSource:
    """The vault key from an AWS KMS slot, decrypted with the loading process's AWS identity."""

    slot: bytes = field(repr=False)

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        try:
            slot = KeySlot.parse(self.slot)
        except FormatError as exc:
            raise SlotSourceError(f"not a key slot: {exc}") from None
        if slot.kind != KIND_AWS_KMS:
            raise SlotSourceError(f"the slot {slot.label!r} is not an AWS KMS slot")
        try:
            return AwsKms().unwrap(slot, vault_id)
        except KmsError as exc:
            raise SlotSourceError(str(exc)) from None


@dataclass(frozen=True)
class IdentitySlotSource:
    """The vault key from a recipient slot, opened with an identity file on the loading machine
    (an age identity, or an OpenSSH / RSA PEM private key without a passphrase)."""

    slot: bytes = field(repr=False)
    identity_file: str

    def load(self, vault_id: str, unwrap: Unwrap) -> bytes:
        try:
            slot = KeySlot.parse(self.slot)
            identity = identity_from_file(Path(self.identity_file))
        except (FormatError, IdentityError) as exc:
            raise SlotSourceError(str(exc)) from None
        if not identity.matches(slot):
            raise SlotSourceError(f"{self.identity_file} is not the recipient of the slot "
                                  f"{slot.label!r}")
        try:
            return identity.unwrap(slot)
        except AuthenticationError as exc:
            raise SlotSourceError(str(exc)) from None
