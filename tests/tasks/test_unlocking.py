"""Unlock order and trust on first use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.tasks.sharinghelpers import PASSPHRASE, new_vault, ssh_key
from vaultui.crypto.constants import VAULT_CONFIG_FILENAME
from vaultui.crypto.errors import WrongPassphraseError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keyslot import SLOT_DIR_NAME
from vaultui.crypto.vaultconfig import VaultConfig
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import AgeIdentity, SshIdentity
from vaultui.secrets.pins import PinMismatchError, PinStore
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.sharing import NoSlotOpenedError, share_with
from vaultui.tasks.unlocking import unlock_in_order


@pytest.fixture
def pins(tmp_path: Path) -> PinStore:
    return PinStore(tmp_path / "config" / "known_vaults")


def shared_vault(folder: Path, identity: AgeIdentity) -> VaultLocation:
    folder.mkdir(parents=True)
    location = new_vault(LocalFileSystem(), str(folder))
    key, _ = location.unlock(PASSPHRASE)
    share_with(location, key, Recipient.parse(identity.recipient), "me")
    return location


def test_order_is_keyring_then_identities_then_prompt(tmp_path: Path, pins: PinStore) -> None:
    me, _ = AgeIdentity.generate()
    location = shared_vault(tmp_path / "v", me)
    asked: list[str] = []

    def ask() -> str:
        asked.append("?")
        return PASSPHRASE

    first = unlock_in_order(location, remembered=lambda: PASSPHRASE, identities=[me], ask=ask,
                            pins=pins, services=[])
    assert first.source == "keyring" and first.passphrase == PASSPHRASE
    second = unlock_in_order(location, remembered=lambda: None, identities=[me], ask=ask,
                             pins=pins, services=[])
    assert second.source == "key slot 'me' (age identity)" and second.passphrase is None
    assert asked == []
    stranger, _ = AgeIdentity.generate()
    third = unlock_in_order(location, remembered=lambda: "stale", identities=[stranger],
                            ask=ask, pins=pins, services=[])
    assert third.source == "prompt" and asked == ["?"]
    assert first.key == second.key == third.key


def test_wrong_passphrases_and_nothing_to_ask(tmp_path: Path) -> None:
    me, _ = AgeIdentity.generate()
    location = shared_vault(tmp_path / "v", me)
    with pytest.raises(WrongPassphraseError):
        unlock_in_order(location, ask=lambda: "nope", services=[])
    with pytest.raises(NoSlotOpenedError):
        unlock_in_order(location, identities=[], services=[])


def test_a_substituted_vault_wrapped_to_my_key_is_refused_after_the_pin(
        tmp_path: Path, pins: PinStore) -> None:
    bob = ssh_key(tmp_path / "bob", "id_ed25519")
    real = tmp_path / "real"
    real.mkdir()
    location = new_vault(LocalFileSystem(), str(real))
    key, config = location.unlock(PASSPHRASE)
    share_with(location, key, Recipient.parse(bob.public), "bob")
    opened = unlock_in_order(location, identities=[SshIdentity(bob.path)], pins=pins,
                             services=[])
    assert opened.key == key

    # The attacker can write the storage and read everything public: the config's id and
    # Bob's public key. They replace the vault with one of their own key under the same id,
    # wrapped to Bob, hoping Bob puts files into it.
    attacker = Masterkey.generate()
    (real / VAULT_CONFIG_FILENAME).write_bytes(
        VaultConfig(jti=config.jti, cipher_combo=config.cipher_combo).to_token(attacker))
    shutil.rmtree(real / SLOT_DIR_NAME)
    share_with(location, attacker, Recipient.parse(bob.public), "bob")
    with pytest.raises(PinMismatchError, match="different key"):
        unlock_in_order(location, identities=[SshIdentity(bob.path)], pins=pins, services=[])
    # Someone else, who never pinned this vault, would be fooled: the pin is what protects.
    fresh = PinStore(tmp_path / "other" / "known_vaults")
    assert unlock_in_order(location, identities=[SshIdentity(bob.path)], pins=fresh,
                           services=[]).key == attacker


def test_a_passphrase_unlock_re_pins(tmp_path: Path, pins: PinStore) -> None:
    me, _ = AgeIdentity.generate()
    location = shared_vault(tmp_path / "v", me)
    unlock_in_order(location, identities=[me], pins=pins, services=[])
    vid = location.vault_id()
    pins.pin(vid, "SHA256:someone-else")
    with pytest.raises(PinMismatchError):
        unlock_in_order(location, identities=[me], pins=pins, services=[])
    unlock_in_order(location, ask=lambda: PASSPHRASE, pins=pins, services=[])
    assert unlock_in_order(location, identities=[me], pins=pins, services=[]).key


def test_pin_file_is_plain_lines_without_key_material(tmp_path: Path, pins: PinStore) -> None:
    me, _ = AgeIdentity.generate()
    location = shared_vault(tmp_path / "v", me)
    key = unlock_in_order(location, identities=[me], pins=pins, services=[]).key
    text = pins.path.read_text()
    assert text.startswith(location.vault_id() + " SHA256:") and text.count("\n") == 1
    assert key.raw.hex() not in text
