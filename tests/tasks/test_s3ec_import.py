"""Importing objects written by AWS's S3 Encryption Client v2 (KMS + context) into a vault."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from fsspec.implementations.local import LocalFileSystem

from tests.services import kms_client, s3_filesystem
from tests.tasks.s3ecwriter import put_encrypted
from tests.tasks.sharinghelpers import PASSPHRASE, new_vault
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.secrets.kms import AwsKms, KmsError
from vaultui.tasks.s3ec_import import ImportS3Encrypted, S3EncryptedImportError


class Source:
    def __init__(self, endpoint: str, kms_key: tuple[Any, str]) -> None:
        self.kms, self.key_id = kms_key
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        self.bucket = f"s3ec-{os.urandom(6).hex()}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.fs = s3_filesystem(endpoint)

    def put(self, key: str, data: bytes, **kwargs: Any) -> None:
        put_encrypted(self.s3, self.kms, self.bucket, key, data, self.key_id, **kwargs)


@pytest.fixture
def source(s3_server: str, kms_key: tuple[Any, str]) -> Source:
    return Source(s3_server, kms_key)


@pytest.fixture
def vfs(tmp_path: Path) -> VaultFileSystem:
    (tmp_path / "v").mkdir()
    location = new_vault(LocalFileSystem(), str(tmp_path / "v"))
    return VaultFileSystem(fs=location.fs, root=location.root, passphrase=PASSPHRASE)


FILES = {"a.txt": b"alpha", "dir/b.bin": os.urandom(3 * 1024 * 1024 + 5), "dir/empty": b""}


def test_metadata_and_instruction_file_objects_import(source: Source,
                                                      vfs: VaultFileSystem) -> None:
    for i, (key, data) in enumerate(FILES.items()):
        source.put(f"enc/{key}", data, instruction_file=i % 2 == 1,
                   context={"team": "data"} if i == 0 else None)
    job = ImportS3Encrypted(source.fs, f"{source.bucket}/enc", vfs, "imported",
                            kms=AwsKms(source.kms))
    result = job.run()
    assert result.files == len(FILES)
    for key, data in FILES.items():
        assert vfs.cat_file(f"imported/{key}") == data
    assert not vfs.exists("imported/dir/b.bin.instruction")


def test_a_tampered_object_stops_the_import_with_its_name(source: Source,
                                                          vfs: VaultFileSystem) -> None:
    source.put("enc/good.txt", b"good")
    source.put("enc/bad.txt", b"bad content")
    obj = source.s3.get_object(Bucket=source.bucket, Key="enc/bad.txt")
    body = bytearray(obj["Body"].read())
    body[0] ^= 1
    source.s3.put_object(Bucket=source.bucket, Key="enc/bad.txt", Body=bytes(body),
                         Metadata=obj["Metadata"])
    job = ImportS3Encrypted(source.fs, f"{source.bucket}/enc", vfs, kms=AwsKms(source.kms),
                            workers=1)
    with pytest.raises(S3EncryptedImportError, match=r"bad\.txt"):
        job.run()
    assert not vfs.exists("bad.txt")


def test_an_altered_context_is_refused_by_kms(source: Source, vfs: VaultFileSystem) -> None:
    source.put("enc/x.txt", b"x", context={"team": "data"})
    obj = source.s3.head_object(Bucket=source.bucket, Key="enc/x.txt")
    meta = dict(obj["Metadata"])
    meta["x-amz-matdesc"] = json.dumps({"team": "other", "aws:x-amz-cek-alg":
                                        "AES/GCM/NoPadding"})
    source.s3.copy_object(Bucket=source.bucket, Key="enc/x.txt", Metadata=meta,
                          CopySource={"Bucket": source.bucket, "Key": "enc/x.txt"},
                          MetadataDirective="REPLACE")
    with pytest.raises(KmsError, match="refused"):
        ImportS3Encrypted(source.fs, f"{source.bucket}/enc", vfs, kms=AwsKms(source.kms)).run()
    assert not vfs.exists("x.txt")


def test_a_plain_object_is_not_taken_for_an_encrypted_one(source: Source,
                                                          vfs: VaultFileSystem) -> None:
    source.s3.put_object(Bucket=source.bucket, Key="enc/plain.txt", Body=b"not encrypted")
    with pytest.raises(S3EncryptedImportError, match=r"plain\.txt.*no S3 encryption client"):
        ImportS3Encrypted(source.fs, f"{source.bucket}/enc", vfs, kms=AwsKms(source.kms)).run()


def test_kms_client_helper_is_the_one_the_fixture_uses(s3_server: str) -> None:
    assert kms_client(s3_server).meta.service_model.service_name == "kms"
