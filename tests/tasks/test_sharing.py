"""Sharing a vault with age, SSH and RSA recipients: each opens it, no one else does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.services import Location
from tests.tasks.sharinghelpers import PASSPHRASE, new_vault, rsa_pem, ssh_key
from vaultui.crypto.keyslot import SLOT_DIR_NAME
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.keyslots import KeySlotExistsError
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import (
    AgeIdentity,
    Identity,
    IdentityError,
    RsaPemIdentity,
    SshIdentity,
    default_identities,
    identity_from_file,
)
from vaultui.secrets.recipients import Recipient, RecipientError
from vaultui.secrets.store import MemoryKeyStore
from vaultui.tasks.sharing import (
    NoSlotOpenedError,
    share_with,
    shares,
    unlock_with_slots,
    unshare,
)


@pytest.fixture(params=["local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "s3":
        loc: Location = request.getfixturevalue("s3fs_fs")
        return loc
    (tmp_path / "vault").mkdir()
    return Location(LocalFileSystem(), str(tmp_path / "vault"))


class Team:
    """A vault shared with Alice (age), Bob (SSH ed25519) and Carol (RSA PEM)."""

    def __init__(self, location: VaultLocation, keys: Path) -> None:
        self.location = location
        self.key, _ = location.unlock(PASSPHRASE)
        self.alice, _ = AgeIdentity.generate()
        self.bob = ssh_key(keys / "bob", "id_ed25519")
        self.carol = rsa_pem(keys / "carol", "carol.pem")
        self.mallory = ssh_key(keys / "mallory", "id_ed25519")
        for label, public in (("alice", self.alice.recipient), ("bob", self.bob.public),
                              ("carol", self.carol.public)):
            share_with(location, self.key, Recipient.parse(public), label)


@pytest.fixture
def team(place: Location, tmp_path: Path) -> Team:
    return Team(new_vault(place.fs, place.root), tmp_path / "keys")


def test_each_recipient_unlocks_with_their_own_identity(team: Team) -> None:
    identities: dict[str, Identity] = {
        "alice": team.alice,
        "bob": SshIdentity(team.bob.path),
        "carol": RsaPemIdentity(team.carol.path),
    }
    for label, identity in identities.items():
        opened = unlock_with_slots(team.location, [identity], services=[])
        assert opened.key == team.key
        assert opened.slot.label == label
    # The key opens the vault's files, as the passphrase does.
    vfs = VaultFileSystem(fs=team.location.fs, root=team.location.root, passphrase=PASSPHRASE)
    vfs.pipe_file("shared.txt", b"for the team")
    bob = unlock_with_slots(team.location, [SshIdentity(team.bob.path)], services=[])
    theirs = VaultFileSystem(fs=team.location.fs, root=team.location.root, masterkey=bob.key)
    assert theirs.cat_file("shared.txt") == b"for the team"


def test_others_do_not_unlock(team: Team, tmp_path: Path) -> None:
    stranger, _ = AgeIdentity.generate()
    outsiders: list[Identity] = [
        stranger, SshIdentity(team.mallory.path),
        RsaPemIdentity(rsa_pem(tmp_path / "dave", "dave.pem").path)]
    for identity in outsiders:
        with pytest.raises(NoSlotOpenedError):
            unlock_with_slots(team.location, [identity], services=[])


def test_an_identity_that_claims_a_slot_still_cannot_open_it(team: Team, tmp_path: Path
                                                               ) -> None:
    # Mallory's private key beside Bob's public key: matches by fingerprint, fails to open.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "id_ed25519").write_bytes(team.mallory.path.read_bytes())
    (fake / "id_ed25519.pub").write_text(team.bob.public)
    notes: list[str] = []
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(team.location, [SshIdentity(fake / "id_ed25519")], services=[],
                          notice=notes.append)
    assert any("did not open" in note for note in notes)


def test_ssh_key_with_passphrase_asks_once_and_only_for_its_slot(place: Location,
                                                                 tmp_path: Path) -> None:
    location = new_vault(place.fs, place.root)
    key, _ = location.unlock(PASSPHRASE)
    locked = ssh_key(tmp_path / "k", "id_ed25519", passphrase=b"ssh secret")
    asked: list[str] = []

    def prompt(name: str) -> str:
        asked.append(name)
        return "ssh secret"

    # No slot for this key yet: nobody is asked.
    share_with(location, key, Recipient.parse(AgeIdentity.generate()[0].recipient), "other")
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(location, [SshIdentity(locked.path, prompt)], services=[])
    assert asked == []
    share_with(location, key, Recipient.parse(locked.public), "me")
    opened = unlock_with_slots(location, [SshIdentity(locked.path, prompt)], services=[])
    assert opened.key == key and asked == [str(locked.path)]


def test_ssh_rsa_recipient(place: Location, tmp_path: Path) -> None:
    location = new_vault(place.fs, place.root)
    key, _ = location.unlock(PASSPHRASE)
    dan = ssh_key(tmp_path / "dan", "id_rsa", kind="rsa")
    share_with(location, key, Recipient.parse(dan.public), "dan")
    assert unlock_with_slots(location, [identity_from_file(dan.path)], services=[]).key == key


def test_slots_list_add_twice_and_remove(team: Team) -> None:
    listed = {s.slot.label: s for s in shares(team.location) if s.slot}
    assert set(listed) == {"alice", "bob", "carol"}
    assert listed["alice"].slot is not None and listed["alice"].slot.kind == "age"
    assert listed["carol"].slot is not None and listed["carol"].slot.kind == "rsa-oaep-sha256"
    with pytest.raises(KeySlotExistsError):
        share_with(team.location, team.key, Recipient.parse(team.bob.public), "bob again")
    with pytest.raises(FileExistsError, match="labelled"):
        share_with(team.location, team.key, Recipient.parse(team.mallory.public), "bob")
    unshare(team.location, "bob")
    assert {s.slot.label for s in shares(team.location) if s.slot} == {"alice", "carol"}
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(team.location, [SshIdentity(team.bob.path)], services=[])


def test_a_damaged_slot_is_listed_and_skipped(team: Team) -> None:
    fs, root = team.location.fs, team.location.root
    fs.pipe_file(f"{root}/{SLOT_DIR_NAME}/{'0' * 32}.slot", b"{not json")
    listed = shares(team.location)
    assert sum(1 for s in listed if s.slot is None and s.problem) == 1
    assert unlock_with_slots(team.location, [team.alice], services=[]).slot.label == "alice"


def test_a_slot_with_another_vaults_key_is_refused(team: Team, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    other = new_vault(LocalFileSystem(), str(tmp_path / "other"))
    other_key, _ = other.unlock(PASSPHRASE)
    share_with(other, other_key, Recipient.parse(team.alice.recipient), "alice")
    # Swap Alice's slot in the team vault for the one holding the other vault's key.
    name = next(s.name for s in shares(other))
    team.location.fs.pipe_file(f"{team.location.root}/{SLOT_DIR_NAME}/{name}",
                               other.fs.cat_file(f"{other.root}/{SLOT_DIR_NAME}/{name}"))
    notes: list[str] = []
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(team.location, [team.alice], services=[], notice=notes.append)
    assert any("does not sign this vault" in n for n in notes)


def test_recipient_parsing_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    for bad in ("age1notreally", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ssh-ed25519 !!!",
                "hello", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----"):
        with pytest.raises(RecipientError):
            Recipient.parse(bad)
    ed = ssh_key(tmp_path, "k").public.split()
    with pytest.raises(RecipientError, match="does not match"):
        Recipient.parse(f"ssh-rsa {ed[1]}")


def test_identity_files(tmp_path: Path) -> None:
    identity, secret = AgeIdentity.generate()
    (tmp_path / "me.age").write_text(f"# created: now\n# public key: {identity.recipient}\n"
                                     f"{secret}\n")
    assert isinstance(identity_from_file(tmp_path / "me.age"), AgeIdentity)
    (tmp_path / "junk").write_text("nothing here")
    with pytest.raises(IdentityError):
        identity_from_file(tmp_path / "junk")
    assert secret not in repr(identity)
    with pytest.raises(TypeError):
        json.dumps(identity)  # not serialisable by accident either


def test_default_identities_use_keyring_and_ssh_folder(tmp_path: Path) -> None:
    store = MemoryKeyStore()
    _, secret = AgeIdentity.generate()
    store.set("age-identity:default", secret)
    ssh_key(tmp_path / ".ssh", "id_ed25519")
    found = default_identities(store, home=tmp_path)
    assert [type(i).__name__ for i in found] == ["AgeIdentity", "SshIdentity"]
