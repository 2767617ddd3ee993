"""The vault filesystem on real storage: local, S3 (moto), Azure Blob (Azurite), SFTP (sshd).

One set of behaviour tests runs on every backend through the ``storage`` fixture; the
S3-only tests prove streaming, multipart and ranged reads against a real S3 server.
"""

from __future__ import annotations

import os

import pytest
from fsspec.spec import AbstractFileSystem
from services import Location

from vaultui.fs import files as files_module
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

CHUNK = 32 * 1024
PASSPHRASE = "correct horse battery staple"
HEADER = 68  # an AES-GCM file header: nonce, reserved bytes and content key, tag

# adlfs hands aiohttp each upload block as bytes, and aiohttp warns about any body over
# 1 MiB; harmless (and ignored outside tests), but the suite turns warnings into errors.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Sending a large body directly with raw bytes:ResourceWarning"
)


def new_vault(fs: AbstractFileSystem, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)


@pytest.fixture
def vault(storage: Location) -> VaultFileSystem:
    fs, root = storage
    return new_vault(fs, f"{root}/vault")


def test_ranged_cat_reads_only_the_chunks_it_covers(
    vault: VaultFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(200 * CHUNK)
    vault.pipe_file("r.bin", data)
    fetched: list[int] = []
    original = files_module.read_range

    def counting(fs: AbstractFileSystem, path: str, start: int, end: int) -> bytes:
        fetched.append(end - start)
        return original(fs, path, start, end)

    monkeypatch.setattr(files_module, "read_range", counting)
    start = 150 * CHUNK + 10
    assert vault.cat_file("r.bin", start=start, end=start + 100) == data[start : start + 100]
    # The header, then the one chunk holding the range: no read-ahead.
    assert fetched == [HEADER, CHUNK + 28]

