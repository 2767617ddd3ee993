"""Unlock order for every front end: remembered passphrase, identities, KMS, then asking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vaultui.crypto.errors import WrongPassphraseError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.vaultconfig import VaultConfig
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import Identity
from vaultui.secrets.kms import KeyService
from vaultui.secrets.pins import PinStore
from vaultui.tasks.sharing import NoSlotOpenedError, Notice, check_pin, unlock_with_slots

#: Returns a passphrase to try, or None when there is none (no keyring item, prompt cancelled).
PassphraseSource = Callable[[], "str | None"]


@dataclass(frozen=True)
class Unlocked:
    """The key, the verified config, how it was opened, and the passphrase if one was used."""

    key: Masterkey
    config: VaultConfig
    source: str
    passphrase: str | None = None

    def __repr__(self) -> str:
        return f"Unlocked(source={self.source!r})"


def unlock_in_order(location: VaultLocation, *,
                    remembered: PassphraseSource | None = None,
                    identities: Sequence[Identity] = (),
                    services: Sequence[KeyService] | None = None,
                    ask: PassphraseSource | None = None,
                    ask_attempts: int = 3,
                    pins: PinStore | None = None,
                    notice: Notice | None = None) -> Unlocked:
    """Try each way in turn and say which one opened the vault.

    A passphrase proves the vault is the one the user knows and (re)pins its key; a key
    slot does not (anyone who can write the storage can make one for your public key), so
    a slot's key must match the pin (PinMismatchError otherwise). Raises
    WrongPassphraseError when the last prompt failed, NoSlotOpenedError when nothing was
    there to ask.
    """
    say = notice or (lambda _message: None)
    location.read_config()  # "not a vault" before anyone is asked anything
    if remembered is not None:
        secret = remembered()
        if secret is not None:
            try:
                key, config = location.unlock(secret)
            except WrongPassphraseError:
                say("the passphrase remembered in the keyring no longer unlocks this vault")
            else:
                check_pin(location, key, pins, proven=True)
                return Unlocked(key, config, "keyring", secret)
    try:
        opened = unlock_with_slots(location, identities, services=services, notice=say)
    except NoSlotOpenedError:
        if ask is None:
            raise
    else:
        check_pin(location, opened.key, pins, proven=False)
        return Unlocked(opened.key, opened.config,
                        f"key slot {opened.slot.label!r} ({opened.via})")
    assert ask is not None
    for attempt in range(1, ask_attempts + 1):
        secret = ask()
        if secret is None:
            break
        try:
            key, config = location.unlock(secret)
        except WrongPassphraseError:
            if attempt == ask_attempts:
                raise
            say("wrong passphrase, try again")
            continue
        check_pin(location, key, pins, proven=True)
        return Unlocked(key, config, "prompt", secret)
    raise NoSlotOpenedError(f"{location.url} was not unlocked: no passphrase given")


def unlock_by_slots(location: VaultLocation, identities: Sequence[Identity], *,
                    services: Sequence[KeyService] | None = None,
                    pins: PinStore | None = None,
                    notice: Notice | None = None) -> Unlocked:
    """Only the key slots (for a front end that asks for the passphrase itself):
    NoSlotOpenedError when none opened, PinMismatchError when the key is not the pinned one."""
    opened = unlock_with_slots(location, identities, services=services, notice=notice)
    check_pin(location, opened.key, pins, proven=False)
    return Unlocked(opened.key, opened.config, f"key slot {opened.slot.label!r} ({opened.via})")
