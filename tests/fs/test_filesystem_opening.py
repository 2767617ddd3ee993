"""Ways to open a vault as a filesystem: URLs, chaining, fsspec.open, keys, and what is kept."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import fsspec
import pytest

from vaultui.crypto.errors import WrongPassphraseError
from vaultui.crypto.keys import Masterkey
from vaultui.fs.filesystem import KeyInProcessWarning, VaultFileSystem
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "opening tests passphrase"


@pytest.fixture
def local_vault(tmp_path: Path) -> tuple[str, Masterkey]:
    """A local vault holding data.csv; returns its folder and key."""
    folder = tmp_path / "vault"
    folder.mkdir()
    key = VaultLocation.from_url(str(folder)).create(PASSPHRASE, scrypt_cost=1024)
    fs = VaultFileSystem(str(folder), masterkey=key)
    fs.pipe_file("data.csv", b"a,b\n1,2\n")
    return str(folder), key


def test_registered_under_its_protocol() -> None:
    assert fsspec.get_filesystem_class("vaultui") is VaultFileSystem
    assert VaultFileSystem.cachable is False


def test_fsspec_filesystem_with_a_location(local_vault) -> None:
    folder, _ = local_vault
    for fs in (fsspec.filesystem("vaultui", fo=folder, passphrase=PASSPHRASE),
               fsspec.filesystem("vaultui", location=folder, passphrase=PASSPHRASE),
               fsspec.filesystem("vaultui", fo=f"file://{folder}", passphrase=PASSPHRASE),
               VaultFileSystem(folder, passphrase=PASSPHRASE)):
        assert fs.cat_file("data.csv") == b"a,b\n1,2\n"


def test_url_chaining(local_vault) -> None:
    folder, _ = local_vault
    url = f"vaultui://data.csv::file://{folder}"
    with fsspec.open(url, "rb", passphrase=PASSPHRASE) as f:
        assert f.read() == b"a,b\n1,2\n"
    with fsspec.open(url, "rb", vaultui={"passphrase": PASSPHRASE}) as f:
        assert f.read() == b"a,b\n1,2\n"
    fs, path = fsspec.core.url_to_fs(url, passphrase=PASSPHRASE)
    assert isinstance(fs, VaultFileSystem) and path == "data.csv"
    with fsspec.open(f"vaultui://new/out.txt::file://{folder}", "w",
                     passphrase=PASSPHRASE) as f:
        f.write("written through a chained URL")
    assert fs.read_text("new/out.txt") == "written through a chained URL"


def test_url_with_fo_and_target_options() -> None:
    storage = fsspec.filesystem("memory")
    root = "/opening-target-options"
    key = VaultLocation(storage, root).create(PASSPHRASE, scrypt_cost=1024)
    try:
        with fsspec.open("vaultui://hello.txt", "wb", fo=f"memory://{root}",
                         masterkey=key.raw) as f:
            f.write(b"hi")
        with fsspec.open(f"vaultui://hello.txt::memory://{root}", "rb",
                         vaultui={"masterkey": key}) as f:
            assert f.read() == b"hi"
        fs = VaultFileSystem(fo=root, target_protocol="memory", target_options={},
                             passphrase=PASSPHRASE)
        assert fs.ls("", detail=False) == ["hello.txt"]
    finally:
        storage.rm(root, recursive=True)


def test_instance_and_root(local_vault) -> None:
    folder, key = local_vault
    fs = VaultFileSystem(fs=fsspec.filesystem("file"), root=folder, masterkey=key)
    assert fs.cat_file("data.csv") == b"a,b\n1,2\n"
    assert fs.unstrip_protocol("data.csv") == "vaultui://data.csv"


def test_key_forms(local_vault) -> None:
    folder, key = local_vault
    calls: list[VaultLocation] = []

    def loader(location: VaultLocation) -> str:
        calls.append(location)
        return PASSPHRASE

    for fs in (VaultFileSystem(folder, masterkey=key.raw),
               VaultFileSystem(folder, masterkey=key),
               VaultFileSystem(folder, key_loader=loader),
               VaultFileSystem(folder, key_loader=lambda _: key)):
        assert fs.cat_file("data.csv") == b"a,b\n1,2\n"
    assert len(calls) == 1 and calls[0].root.endswith("vault")


def test_wrong_or_missing_key(local_vault) -> None:
    folder, _ = local_vault
    with pytest.raises(WrongPassphraseError):
        VaultFileSystem(folder, passphrase="not it")
    with pytest.raises(ValueError, match="passphrase"):
        VaultFileSystem(folder)
    with pytest.raises(ValueError, match="location"):
        VaultFileSystem(passphrase=PASSPHRASE)


def test_no_key_material_is_kept_in_options_or_serialised(local_vault) -> None:
    folder, key = local_vault
    secret_forms = [PASSPHRASE, key.raw.hex(), repr(key.raw)]
    for fs in (VaultFileSystem(folder, passphrase=PASSPHRASE),
               fsspec.filesystem("vaultui", fo=folder, masterkey=key.raw),
               VaultFileSystem(folder, key_loader=lambda _: PASSPHRASE)):
        for name in ("passphrase", "masterkey", "key_loader"):
            assert name not in fs.storage_options
        blob = fs.to_json()
        assert json.loads(blob)["protocol"] == "vaultui"
        for text in (blob, repr(fs), str(fs.to_dict()), str(fs.storage_options)):
            for secret in secret_forms:
                assert secret not in text
        with pytest.warns(KeyInProcessWarning):
            blob = pickle.dumps(fs)
        for secret in (PASSPHRASE.encode(), key.raw, key.raw.hex().encode()):
            assert secret not in blob


def test_instances_are_not_cached(local_vault) -> None:
    folder, _ = local_vault
    a = fsspec.filesystem("vaultui", fo=folder, passphrase=PASSPHRASE)
    b = fsspec.filesystem("vaultui", fo=folder, passphrase=PASSPHRASE)
    assert a is not b
