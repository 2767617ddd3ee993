"""Key slots as picklable key sources: a worker opens the vault with its own identity or KMS."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.tasks.sharinghelpers import PASSPHRASE, new_vault
from vaultui.crypto.keyslot import SLOT_DIR_NAME
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.secrets.identities import AgeIdentity
from vaultui.secrets.kms import AwsKms
from vaultui.secrets.recipients import Recipient
from vaultui.secrets.slotsources import IdentitySlotSource, KmsSlotSource, SlotSourceError
from vaultui.tasks.sharing import share_with, share_with_kms


def no_passphrase(_text: str) -> bytes:
    raise AssertionError("a slot needs no passphrase")


def test_identity_slot_source_pickles_and_loads(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    location = new_vault(LocalFileSystem(), str(tmp_path / "v"))
    key, _ = location.unlock(PASSPHRASE)
    me, secret = AgeIdentity.generate()
    (tmp_path / "me.age").write_text(secret + "\n")
    added = share_with(location, key, Recipient.parse(me.recipient), "worker")
    data = (tmp_path / "v" / SLOT_DIR_NAME / added.name).read_bytes()
    source = pickle.loads(pickle.dumps(IdentitySlotSource(data, str(tmp_path / "me.age"))))
    assert source.load(location.vault_id(), no_passphrase) == key.raw
    assert secret not in repr(source)
    _, other_secret = AgeIdentity.generate()
    (tmp_path / "other.age").write_text(other_secret)
    with pytest.raises(SlotSourceError, match="not the recipient"):
        IdentitySlotSource(data, str(tmp_path / "other.age")).load("x", no_passphrase)


def test_kms_slot_source_uses_the_loading_process_credentials(
        tmp_path: Path, kms_key: tuple[Any, str], s3_server: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, key_id = kms_key
    (tmp_path / "v").mkdir()
    location = new_vault(LocalFileSystem(), str(tmp_path / "v"))
    key, _ = location.unlock(PASSPHRASE)
    added = share_with_kms(location, key, key_id, None, AwsKms(client))
    data = (tmp_path / "v" / SLOT_DIR_NAME / added.name).read_bytes()
    for name, value in (("AWS_ENDPOINT_URL_KMS", s3_server), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    source = pickle.loads(pickle.dumps(KmsSlotSource(data)))
    assert source.load(location.vault_id(), no_passphrase) == key.raw
    # As the filesystem's key source: the vault opens with nothing but the worker's AWS role.
    vfs = VaultFileSystem(fs=location.fs, root=location.root, key_source=source)
    vfs.pipe_file("from-a-worker.txt", b"ok")
    assert vfs.cat_file("from-a-worker.txt") == b"ok"
    with pytest.raises(SlotSourceError, match="refused"):
        source.load("vault:another", no_passphrase)
