"""Sync-conflict copies (`X (1).c9r`): shown under a readable name, resolved as Cryptomator does."""

from __future__ import annotations

import pytest

from vaultui.crypto.names import max_cleartext_name_bytes
from vaultui.fs.conflicts import conflict_name, resolution_names, split_conflict
from vaultui.fs.filesystem import VaultFileSystem

ALICE = " (Created by Alice)"


def _conflict_path(node_path: str, suffix: str) -> str:
    """Where a sync client puts its copy of `node_path`: the suffix before .c9r/.c9s."""
    return node_path[:-4] + suffix + node_path[-4:]


def make_conflict(fs: VaultFileSystem, path: str, suffix: str = ALICE,
                  other: bytes | None = None) -> str:
    """Put a sync client's copy of the node of `path` next to it; returns its storage path.

    With `other`, the copy holds another version of the file (as two devices would
    have written it); otherwise it is a byte-for-byte copy.
    """
    storage = fs.storage
    node = fs.ciphertext_paths(path)[0]
    copy = _conflict_path(node, suffix)
    if other is not None:
        saved = bytes(fs.storage.cat_file(fs.info(path)["ciphertext_path"]))
        fs.pipe_file(path, other)
        data_path = fs.info(path)["ciphertext_path"]
        storage.copy(node, copy, recursive=True)
        storage.pipe_file(data_path, saved)  # the original keeps its version
    else:
        storage.copy(node, copy, recursive=True)
    return copy


def _storage_names(fs: VaultFileSystem, folder: str = "") -> list[str]:
    content = fs.ciphertext_paths(folder)[-1]
    return sorted(p.rsplit("/", 1)[-1] for p in fs.storage.ls(content, detail=False))


# -- naming ---------------------------------------------------------------------------


def test_conflict_name_goes_before_the_extension() -> None:
    assert conflict_name("report.txt", " (1)") == "report (1).txt"
    assert conflict_name("archive.tar.gz", " (1)") == "archive.tar (1).gz"
    assert conflict_name("README", " (1)") == "README (1)"
    assert conflict_name(".bashrc", " (1)") == ".bashrc (1)"


def test_resolution_names_fall_back_to_numbers() -> None:
    names = list(resolution_names("report.txt", ALICE, 146))
    assert names[0] == "report (Created by Alice).txt"
    assert names[1:] == [f"report ({i}).txt" for i in range(1, 10)]


def test_resolution_names_stay_short_enough_not_to_need_shortening() -> None:
    limit = max_cleartext_name_bytes(220)
    long_name = "é" * 100 + ".txt"  # 204 bytes
    for name in resolution_names(long_name, " (conflicted copy " + "x" * 200 + ")", limit):
        assert len(name.encode()) <= limit
        assert name.endswith(".txt")
        name.encode("utf-8")  # never a split character


def test_split_conflict(memvault: VaultFileSystem) -> None:
    names = memvault.cryptor.names
    stem = names.encrypt_name("report.txt", "")
    assert split_conflict(stem + " (1)", "", names) == ("report.txt", " (1)")
    assert split_conflict(stem + "_conflict-2024", "", names) == ("report.txt", "_conflict-2024")
    assert split_conflict("garbage" * 10, "", names) is None
    assert split_conflict(stem + " (1)", "another-dir-id", names) is None


# -- shown, not resolved ----------------------------------------------------------------


@pytest.fixture
def showing(vault_factory, request) -> VaultFileSystem:
    return vault_factory(getattr(request, "param", "memory"), resolve_conflicts=False)


@pytest.mark.parametrize("showing", ["memory", "local"], indirect=True)
def test_unresolved_conflicts_are_shown_under_a_readable_name(showing) -> None:
    fs = showing
    fs.pipe_file("docs/report.txt", b"mine")
    make_conflict(fs, "docs/report.txt", other=b"alice's")
    before = _storage_names(fs, "docs")
    infos = {i["name"]: i for i in fs.ls("docs")}
    assert sorted(infos) == ["docs/report (Created by Alice).txt", "docs/report.txt"]
    copy = infos["docs/report (Created by Alice).txt"]
    assert copy["conflict_of"] == "report.txt" and copy["size"] == len(b"alice's")
    assert "conflict_of" not in infos["docs/report.txt"]
    assert _storage_names(fs, "docs") == before  # showing changes nothing
    # The copy can be read, renamed (resolving it by hand) and removed by that name.
    assert fs.cat_file("docs/report (Created by Alice).txt") == b"alice's"
    assert fs.cat_file("docs/report.txt") == b"mine"
    fs.mv("docs/report (Created by Alice).txt", "docs/report-alice.txt")
    assert fs.ls("docs", detail=False) == ["docs/report-alice.txt", "docs/report.txt"]
    assert fs.cat_file("docs/report-alice.txt") == b"alice's"


@pytest.mark.parametrize("name", ["r.txt", "re.txt", "rep.txt"])  # all three paddings
@pytest.mark.parametrize("suffix", [" (1)", " (Created by Alice)", "_conflict-2024"])
def test_conflict_copy_is_listed_under_a_conflict_name(showing, name: str, suffix: str) -> None:
    showing.pipe_file(name, b"mine")
    node = showing.ciphertext_paths(name)[0]
    showing.storage.cp_file(node, _conflict_path(node, suffix))
    infos = showing.ls("")
    stem, ext = name.rsplit(".", 1)
    assert sorted(i["name"] for i in infos) == sorted([name, f"{stem}{suffix}.{ext}"])
    assert [i["conflict_of"] for i in infos if "conflict_of" in i] == [name]


def test_unresolved_conflict_copy_can_be_removed(showing) -> None:
    showing.pipe_file("report.txt", b"mine")
    make_conflict(showing, "report.txt", suffix=" (1)", other=b"theirs")
    assert showing.ls("", detail=False) == ["report (1).txt", "report.txt"]
    showing.rm("report (1).txt")
    assert showing.ls("", detail=False) == ["report.txt"]
    assert showing.cat_file("report.txt") == b"mine"


def test_hidden_conflict_copies_are_ignored(showing) -> None:
    showing.pipe_file("report.txt", b"mine")
    node = showing.ciphertext_paths("report.txt")[0]
    folder, name = node.rsplit("/", 1)
    showing.storage.pipe_file(f"{folder}/.{name[:-4]} (1).c9r", b"junk")
    assert showing.ls("", detail=False) == ["report.txt"]


# -- resolved while listing ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "local"])
def test_copy_of_a_missing_original_takes_its_name(vault_factory, kind) -> None:
    fs = vault_factory(kind)
    fs.pipe_file("a/report.txt", b"alice's")
    node = fs.ciphertext_paths("a/report.txt")[0]
    fs.storage.mv(node, _conflict_path(node, ALICE))  # the sync kept only the renamed copy
    fs.invalidate_cache()
    assert fs.ls("a", detail=False) == ["a/report.txt"]
    assert _storage_names(fs, "a") == sorted(["dirid.c9r", node.rsplit("/", 1)[-1]])
    assert fs.cat_file("a/report.txt") == b"alice's"


@pytest.mark.parametrize("kind", ["memory", "local"])
def test_different_versions_are_both_kept(vault_factory, kind) -> None:
    fs = vault_factory(kind)
    fs.pipe_file("report.txt", b"mine")
    copy = make_conflict(fs, "report.txt", other=b"alice's")
    assert fs.ls("", detail=False) == ["report (Created by Alice).txt", "report.txt"]
    assert "conflict_of" not in fs.info("report (Created by Alice).txt")
    assert copy.rsplit("/", 1)[-1] not in _storage_names(fs)  # renamed on storage
    assert fs.cat_file("report (Created by Alice).txt") == b"alice's"
    assert fs.cat_file("report.txt") == b"mine"
    # A fresh view of the vault sees the same: the resolution is on storage.
    fresh = VaultFileSystem(fs=fs.storage, root=fs.location.root, passphrase="fs tests passphrase")
    assert fresh.ls("", detail=False) == ["report (Created by Alice).txt", "report.txt"]


def test_taken_names_fall_back_to_numbered_ones(memvault: VaultFileSystem) -> None:
    fs = memvault
    fs.pipe_file("report.txt", b"mine")
    fs.pipe_file("report (Created by Alice).txt", b"already here")
    fs.pipe_file("report (1).txt", b"also here")
    make_conflict(fs, "report.txt", other=b"alice's")
    assert fs.ls("", detail=False) == [
        "report (1).txt", "report (2).txt", "report (Created by Alice).txt", "report.txt"]
    assert fs.cat_file("report (2).txt") == b"alice's"
    assert fs.cat_file("report (Created by Alice).txt") == b"already here"


def test_a_conflict_that_cannot_be_resolved_stays_visible(memvault: VaultFileSystem) -> None:
    fs = memvault
    fs.pipe_file("r.txt", b"mine")
    for name in ["r (x).txt", *(f"r ({i}).txt" for i in range(1, 10))]:
        fs.pipe_file(name, b"taken")
    make_conflict(fs, "r.txt", suffix=" (x)", other=b"theirs")
    infos = [i for i in fs.ls("") if i.get("conflict_of")]
    assert [(i["name"], i["conflict_of"]) for i in infos] == [("r (x).txt", "r.txt")]
    assert fs.cat_file("r.txt") == b"mine"


def test_duplicate_directory_is_removed(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("photos/cat.jpg", b"meow")
    copy = make_conflict(vaultfs, "photos", suffix=" (1)")
    assert vaultfs.ls("", detail=False) == ["photos"]
    assert not vaultfs.storage.exists(copy)
    assert vaultfs.cat_file("photos/cat.jpg") == b"meow"


def test_different_directories_are_both_kept(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("photos/cat.jpg", b"meow")
    _other_directory_as_conflict(vaultfs, "photos", " (1)")
    assert vaultfs.ls("", detail=False) == ["photos", "photos (1)"]
    assert vaultfs.cat_file("photos (1)/dog.jpg") == b"woof"
    assert vaultfs.cat_file("photos/cat.jpg") == b"meow"


def test_duplicate_symlink_is_removed_even_if_encrypted_differently(
        memvault: VaultFileSystem) -> None:
    fs = memvault
    fs.symlink("../target", "link")
    node = fs.ciphertext_paths("link")[0]
    copy = _conflict_path(node, " (1)")
    fs.storage.makedirs(copy, exist_ok=True)
    fs.storage.pipe_file(f"{copy}/symlink.c9r", fs.cryptor.encrypt_file(b"../target"))
    assert fs.ls("", detail=False) == ["link"]
    assert not fs.storage.exists(copy)


def test_symlinks_to_different_targets_are_both_kept(memvault: VaultFileSystem) -> None:
    fs = memvault
    fs.symlink("../target", "link")
    node = fs.ciphertext_paths("link")[0]
    copy = _conflict_path(node, " (1)")
    fs.storage.makedirs(copy, exist_ok=True)
    fs.storage.pipe_file(f"{copy}/symlink.c9r", fs.cryptor.encrypt_file(b"../elsewhere"))
    assert fs.ls("", detail=False) == ["link", "link (1)"]
    assert fs.readlink("link (1)") == "../elsewhere"


def test_conflict_of_a_shortened_name(vaultfs: VaultFileSystem) -> None:
    long_name = "quarterly report " * 10 + ".txt"  # stored as H.c9s
    vaultfs.pipe_file(long_name, b"mine")
    node = vaultfs.ciphertext_paths(long_name)[0]
    assert node.endswith(".c9s")
    make_conflict(vaultfs, long_name, suffix=" (1)", other=b"theirs")
    names = vaultfs.ls("", detail=False)
    assert len(names) == 2 and long_name in names
    (other,) = [n for n in names if n != long_name]
    assert other.endswith(" (1).txt") and long_name.startswith(other[: -len(" (1).txt")])
    assert len(other.encode()) <= max_cleartext_name_bytes(220)
    assert vaultfs.cat_file(other) == b"theirs"
    assert vaultfs.cat_file(long_name) == b"mine"


def test_unrelated_name_file_in_a_renamed_shortened_folder_is_skipped(
        memvault: VaultFileSystem) -> None:
    fs = memvault
    long_name = "x" * 200
    fs.pipe_file(long_name, b"x")
    node = fs.ciphertext_paths(long_name)[0]
    fs.storage.copy(node, node[:-4] + "Zzz.c9s", recursive=True)  # not a suffix of H
    fs.storage.mv(node[:-4] + "Zzz.c9s", node[:-30] + "Q" * 27 + ".c9s", recursive=True)
    assert fs.ls("", detail=False) == [long_name]


def test_conflicts_in_subdirectories_and_after_moves(memvault: VaultFileSystem) -> None:
    fs = memvault
    fs.pipe_file("a/b/notes.md", b"v1")
    make_conflict(fs, "a/b/notes.md", suffix=" (2)", other=b"v2")
    assert fs.ls("a/b", detail=False) == ["a/b/notes (2).md", "a/b/notes.md"]
    fs.mv("a", "z")
    assert fs.cat_file("z/b/notes (2).md") == b"v2"


def _other_directory_as_conflict(fs: VaultFileSystem, name: str, suffix: str) -> str:
    """Make Alice's own directory `name` appear as a sync client's copy `name<suffix>`."""
    fs.pipe_file("alice/dog.jpg", b"woof")
    theirs = fs.ciphertext_paths("alice")[0]
    # Re-encrypt its node under the name the conflict copy would have.
    copy = _conflict_path(fs.ciphertext_paths(name)[0], suffix)
    fs.storage.makedirs(copy, exist_ok=True)
    fs.storage.pipe_file(f"{copy}/dir.c9r", fs.storage.cat_file(f"{theirs}/dir.c9r"))
    fs.storage.rm(theirs, recursive=True)
    fs.invalidate_cache()
    return copy


def test_unresolved_conflicting_directory_can_be_listed_and_removed(showing) -> None:
    fs = showing
    fs.pipe_file("photos/cat.jpg", b"meow")
    copy = _other_directory_as_conflict(fs, "photos", " (1)")
    assert fs.ls("", detail=False) == ["photos", "photos (1)"]
    assert fs.ls("photos (1)", detail=False) == ["photos (1)/dog.jpg"]
    assert fs.cat_file("photos (1)/dog.jpg") == b"woof"
    fs.rm("photos (1)", recursive=True)
    assert not fs.storage.exists(copy)
    assert fs.ls("", detail=False) == ["photos"]
    assert fs.cat_file("photos/cat.jpg") == b"meow"
