"""One name in two Unicode forms (NFC and NFD) in one folder: each entry is addressed exactly;
a name typed in the other form finds the stored one only when there is no exact match."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from vaultui.fs.filesystem import VaultFileSystem

NFC = unicodedata.normalize("NFC", "Ärger.txt")
NFD = unicodedata.normalize("NFD", "Ärger.txt")
DIR_NFC = unicodedata.normalize("NFC", "Übersicht")
DIR_NFD = unicodedata.normalize("NFD", "Übersicht")


@pytest.fixture
def vfs(local_or_s3_vault: VaultFileSystem) -> VaultFileSystem:
    return local_or_s3_vault


def store_as_given(vfs: VaultFileSystem, folder: str, name: str, data: bytes) -> None:
    """What another client writes: a file node under `name` not normalised to NFC."""
    dir_id = vfs.mapper.dir_id(folder)
    stored = vfs.cryptor.storage_name(name, dir_id, as_given=True)
    content = vfs.mapper.content_dir(dir_id)
    vfs.storage.pipe_file(f"{content}/{stored}", vfs.cryptor.encrypt_file(data))
    vfs.invalidate_cache()


@pytest.fixture
def twins(vfs: VaultFileSystem) -> VaultFileSystem:
    vfs.pipe_file(f"d/{NFC}", b"nfc bytes")
    store_as_given(vfs, "d", NFD, b"the nfd file")
    return vfs


def test_both_are_listed_and_each_reads_its_own_bytes(twins: VaultFileSystem) -> None:
    assert sorted(twins.ls("d", detail=False)) == sorted([f"d/{NFC}", f"d/{NFD}"])
    assert twins.cat_file(f"d/{NFC}") == b"nfc bytes"
    assert twins.cat_file(f"d/{NFD}") == b"the nfd file"
    assert twins.info(f"d/{NFD}")["size"] == len(b"the nfd file")
    twins.invalidate_cache()
    assert twins.cat_file(f"d/{NFD}") == b"the nfd file"  # without a listing first


def test_writing_and_removing_one_leaves_the_other(twins: VaultFileSystem) -> None:
    twins.pipe_file(f"d/{NFD}", b"new nfd")
    assert twins.cat_file(f"d/{NFC}") == b"nfc bytes"
    assert twins.cat_file(f"d/{NFD}") == b"new nfd"
    twins.rm(f"d/{NFD}")
    assert twins.ls("d", detail=False) == [f"d/{NFC}"]
    assert twins.cat_file(f"d/{NFC}") == b"nfc bytes"


def test_get_writes_each_to_its_own_name(twins: VaultFileSystem, tmp_path: Path) -> None:
    twins.get("d", str(tmp_path / "out"), recursive=True)
    assert (tmp_path / "out" / NFC).read_bytes() == b"nfc bytes"
    assert (tmp_path / "out" / NFD).read_bytes() == b"the nfd file"


def test_a_name_typed_in_the_other_form_finds_the_stored_one(vfs: VaultFileSystem) -> None:
    vfs.pipe_file(NFD, b"typed as NFD, stored as NFC")
    assert vfs.ls("", detail=False) == [NFC]
    assert vfs.cat_file(NFC) == vfs.cat_file(NFD) == b"typed as NFD, stored as NFC"
    vfs.makedirs(f"{DIR_NFD}/sub")
    assert vfs.ls("", detail=False) == sorted([NFC, DIR_NFC])
    vfs.pipe_file(f"{DIR_NFC}/sub/x", b"x")
    assert vfs.cat_file(f"{DIR_NFD}/sub/x") == b"x"
    vfs.rm(DIR_NFD, recursive=True)
    assert vfs.ls("", detail=False) == [NFC]
    vfs.mkdir(DIR_NFC)  # no stale id of the removed folder is used
    vfs.pipe_file(f"{DIR_NFC}/y", b"y")
    assert vfs.cat_file(f"{DIR_NFD}/y") == b"y"


def test_a_lone_nfd_entry_is_found_by_either_spelling(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("d/other", b"o")
    store_as_given(vfs, "d", NFD, b"only nfd")
    assert vfs.cat_file(f"d/{NFD}") == b"only nfd"
    assert vfs.cat_file(f"d/{NFC}") == b"only nfd"
    assert sorted(vfs.ls("d", detail=False)) == sorted([f"d/{NFC}", "d/other"])
