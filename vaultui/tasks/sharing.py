"""Sharing a vault: add, list and remove key slots, and unlock through them in order."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vaultui.crypto.errors import AuthenticationError, FormatError, InvalidSignatureError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keyslot import KeySlot
from vaultui.crypto.vaultconfig import VaultConfig
from vaultui.fs.keyslots import add_slot, list_slots, remove_slot
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import Identity, key_fingerprint
from vaultui.secrets.kms import KeyService, KmsError, key_service
from vaultui.secrets.pins import PinStore
from vaultui.secrets.recipients import Recipient

#: Told about each slot that was tried and did not open, for the front end to show.
Notice = Callable[[str], None]


class NoSlotOpenedError(Exception):
    """None of the identities or key services at hand opened a slot of this vault."""


@dataclass(frozen=True)
class SharedSlot:
    """A slot as listed: its file name and content (None when the file is damaged)."""

    name: str
    slot: KeySlot | None
    problem: str | None = None


@dataclass(frozen=True)
class SlotUnlock:
    """The key a slot gave, the verified config, and which slot and identity opened it."""

    key: Masterkey
    config: VaultConfig
    slot_name: str
    slot: KeySlot
    via: str

    def __repr__(self) -> str:
        return f"SlotUnlock({self.slot.label!r} via {self.via!r})"


def shares(location: VaultLocation) -> list[SharedSlot]:
    return [SharedSlot(name, found, None) if isinstance(found, KeySlot)
            else SharedSlot(name, None, str(found))
            for name, found in list_slots(location)]


def _label_free(location: VaultLocation, label: str) -> None:
    for shared in shares(location):
        if shared.slot is not None and shared.slot.label == label:
            raise FileExistsError(f"{location.url} already has a key slot labelled {label!r}")


def share_with(location: VaultLocation, key: Masterkey, recipient: Recipient, label: str
               ) -> SharedSlot:
    """Add a slot wrapping the vault's key for `recipient`; the key is checked first."""
    location.unlock(key)  # a key that does not sign this vault's config is never shared
    _label_free(location, label)
    slot = recipient.wrap(key.raw, label)
    return SharedSlot(add_slot(location, slot), slot)


def share_with_kms(location: VaultLocation, key: Masterkey, key_id: str, label: str | None,
                   service: KeyService | None = None) -> SharedSlot:
    """Add a slot with the vault key wrapped by a cloud key service (AWS KMS by default)."""
    location.unlock(key)
    kms = service or key_service("aws-kms")
    assert kms is not None
    slot = kms.wrap(key_id, key.raw, location.vault_id())
    if label is not None:
        _label_free(location, label)
        slot = KeySlot(label=label, kind=slot.kind, recipient=slot.recipient,
                       fingerprint=slot.fingerprint, wrapped=slot.wrapped)
    return SharedSlot(add_slot(location, slot), slot)


def find_slot(location: VaultLocation, label_or_name: str) -> SharedSlot:
    """The slot with this label, file name or fingerprint; KeyError when there is none."""
    for shared in shares(location):
        if label_or_name == shared.name or (shared.slot is not None and label_or_name in (
                shared.slot.label, shared.slot.fingerprint)):
            return shared
    raise KeyError(label_or_name)


def unshare(location: VaultLocation, label_or_name: str) -> SharedSlot:
    """Remove a slot. The recipient may have kept the key: only rotation revokes it."""
    shared = find_slot(location, label_or_name)
    remove_slot(location, shared.name)
    return shared


def _try(location: VaultLocation, secret: bytes) -> tuple[Masterkey, VaultConfig] | None:
    try:
        key = Masterkey.from_raw(secret)
        return location.unlock(key)
    except (FormatError, InvalidSignatureError):
        return None


def unlock_with_slots(location: VaultLocation, identities: Sequence[Identity], *,
                      services: Sequence[KeyService] | None = None,
                      notice: Notice | None = None) -> SlotUnlock:
    """Open the vault through its slots: the identities first, then the key services.

    A slot's key is used only if it signs the vault's config. Raises NoSlotOpenedError
    when nothing opened one (the caller then asks for the passphrase).
    """
    say = notice or (lambda _message: None)
    slots = [(s.name, s.slot) for s in shares(location) if s.slot is not None]
    for identity in identities:
        for name, slot in slots:
            if not identity.matches(slot):
                continue
            try:
                secret = identity.unwrap(slot)
            except AuthenticationError as exc:
                say(f"{identity.description} did not open the slot {slot.label!r}: {exc}")
                continue
            opened = _try(location, secret)
            if opened is not None:
                return SlotUnlock(opened[0], opened[1], name, slot, identity.description)
            say(f"the slot {slot.label!r} holds a key that does not sign this vault")
    kms_slots = [(name, slot) for name, slot in slots if slot.kind == "aws-kms"]
    if kms_slots:
        vid = location.vault_id()
        default = key_service("aws-kms")
        chosen = list(services) if services is not None else [default] if default else []
        for name, slot in kms_slots:
            for service in chosen:
                if service.kind != slot.kind:
                    continue
                try:
                    secret = service.unwrap(slot, vid)
                except KmsError as exc:
                    say(str(exc))
                    continue
                opened = _try(location, secret)
                if opened is not None:
                    return SlotUnlock(opened[0], opened[1], name, slot, slot.recipient)
    raise NoSlotOpenedError(f"no key slot of {location.url} opened with the keys at hand")


def check_pin(location: VaultLocation, key: Masterkey, pins: PinStore | None, *,
              proven: bool) -> None:
    """Trust on first use. `proven` (a passphrase or recovery key opened it) re-pins;
    otherwise a pinned vault whose key changed raises PinMismatchError."""
    if pins is None:
        return
    fingerprint = key_fingerprint(key.raw)
    vid = location.vault_id()
    if proven:
        # The passphrase already proved the vault: a pin file that cannot be read or
        # written must not stop this unlock.
        with contextlib.suppress(OSError):
            pins.pin(vid, fingerprint)
    else:
        pins.check(vid, fingerprint)
