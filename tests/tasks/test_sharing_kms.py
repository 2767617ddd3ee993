"""AWS KMS key slots against moto's KMS: unlock, and clean refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.services import Location, free_port, kms_client
from tests.tasks.sharinghelpers import PASSPHRASE, new_vault
from vaultui.crypto.keyslot import SLOT_DIR_NAME
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.kms import AwsKms, KmsError
from vaultui.tasks.sharing import NoSlotOpenedError, share_with_kms, shares, unlock_with_slots


@pytest.fixture
def vault(s3fs_fs: Location) -> VaultLocation:
    return new_vault(s3fs_fs.fs, s3fs_fs.root)


def test_kms_slot_unlocks(vault: VaultLocation, kms_key: tuple[Any, str]) -> None:
    client, key_id = kms_key
    key, _ = vault.unlock(PASSPHRASE)
    added = share_with_kms(vault, key, key_id, "ops team", AwsKms(client))
    assert added.slot is not None and added.slot.kind == "aws-kms"
    assert added.slot.recipient.startswith("arn:aws:kms:") and key_id in added.slot.recipient
    opened = unlock_with_slots(vault, [], services=[AwsKms(client)])
    assert opened.key == key and opened.slot.label == "ops team"


def test_kms_slot_is_bound_to_its_vault(vault: VaultLocation, kms_key: tuple[Any, str],
                                        tmp_path: Path) -> None:
    client, key_id = kms_key
    other = new_vault(LocalFileSystem(), str(tmp_path))
    other_key, _ = other.unlock(PASSPHRASE)
    added = share_with_kms(other, other_key, key_id, None, AwsKms(client))
    # The slot copied into another vault: KMS refuses the other encryption context.
    vault.fs.pipe_file(f"{vault.root}/{SLOT_DIR_NAME}/{added.name}",
                       other.fs.cat_file(f"{other.root}/{SLOT_DIR_NAME}/{added.name}"))
    notes: list[str] = []
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(vault, [], services=[AwsKms(client)], notice=notes.append)
    assert notes and "AWS KMS refused" in notes[0]
    assert "InvalidCiphertext" in notes[0]


def test_kms_key_in_a_place_the_user_cannot_reach(vault: VaultLocation, kms_key: tuple[Any, str],
                                                 s3_server: str) -> None:
    client, key_id = kms_key
    key, _ = vault.unlock(PASSPHRASE)
    share_with_kms(vault, key, key_id, None, AwsKms(client))
    # Credentials for another region cannot use the key: refused, reported, no unlock.
    elsewhere = AwsKms(kms_client(s3_server, region="eu-west-3"))
    notes: list[str] = []
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(vault, [], services=[elsewhere], notice=notes.append)
    assert notes and "AWS KMS refused to decrypt" in notes[0] and "NotFound" in notes[0]


def test_unreachable_kms_fails_within_its_timeout(vault: VaultLocation,
                                                 kms_key: tuple[Any, str]) -> None:
    client, key_id = kms_key
    key, _ = vault.unlock(PASSPHRASE)
    share_with_kms(vault, key, key_id, None, AwsKms(client))
    down = AwsKms(endpoint_url=f"http://127.0.0.1:{free_port()}", region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
    notes: list[str] = []
    with pytest.raises(NoSlotOpenedError):
        unlock_with_slots(vault, [], services=[down], notice=notes.append)
    assert notes and "AWS KMS could not decrypt" in notes[0]


def test_unknown_kms_key_is_refused_when_adding(vault: VaultLocation,
                                               kms_key: tuple[Any, str]) -> None:
    client, _ = kms_key
    key, _ = vault.unlock(PASSPHRASE)
    with pytest.raises(KmsError, match="NotFound"):
        share_with_kms(vault, key, "11111111-2222-3333-4444-555555555555", None, AwsKms(client))
    assert shares(vault) == []
