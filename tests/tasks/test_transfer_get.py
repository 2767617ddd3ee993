"""DecryptTree (get): where sources land, bad entries reported while the rest is copied,
names in two Unicode forms, and what is replaced keeps its mode."""

from __future__ import annotations

import base64
import os
import stat
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from tests.services import Location
from vaultui.crypto.keys import Masterkey
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.transfer import DecryptTree, PartialTransferError, TransferResult

PASS = "get test passphrase"
NFC = unicodedata.normalize("NFC", "café.txt")
NFD = unicodedata.normalize("NFD", "café.txt")


class Vault:
    """A vault on local disk or S3, and its key (to craft entries no client would write)."""

    def __init__(self, fs: object, root: str) -> None:
        self.key: Masterkey = VaultLocation(fs, root).create(
            PASS, scrypt_cost=1024)
        self.vfs = VaultFileSystem(fs=fs, root=root, masterkey=self.key)

    def craft_file(self, folder: str, name: str, data: bytes) -> None:
        """A file node under `name` exactly as given, whatever it is (`..`, `a/b`, NFD)."""
        dir_id = self.vfs.mapper.dir_id(folder)
        sealed = AESSIV(self.key.mac_key + self.key.enc_key).encrypt(
            name.encode("utf-8"), [dir_id.encode("utf-8")])
        stored = base64.urlsafe_b64encode(sealed).decode("ascii") + ".c9r"
        assert len(stored) <= 220, "too long for a plain node"
        content = self.vfs.mapper.content_dir(dir_id)
        self.vfs.storage.pipe_file(f"{content}/{stored}", self.vfs.cryptor.encrypt_file(data))
        self.vfs.invalidate_cache()


@pytest.fixture
def vault(local_or_s3: Location) -> Vault:
    return Vault(local_or_s3.fs, local_or_s3.root)


def tree(top: Path) -> dict[str, bytes]:
    """Every file under `top` by its relative path (and every folder, as b"<dir>")."""
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        for d in dirnames:
            found[os.path.normpath(os.path.join(rel, d))] = b"<dir>"
        for f in filenames:
            found[os.path.normpath(os.path.join(rel, f))] = Path(dirpath, f).read_bytes()
    return found


@pytest.fixture
def docs(vault: Vault) -> VaultFileSystem:
    vfs = vault.vfs
    vfs.pipe_file("docs/a.txt", b"a")
    vfs.pipe_file("docs/sub/b.txt", b"b")
    vfs.pipe_file("top.txt", b"top")
    return vfs


# -- where the sources land (item: no stray level) -----------------------------------------

def test_a_folder_into_an_existing_folder_lands_under_its_name(docs: VaultFileSystem,
                                                               tmp_path: Path) -> None:
    restore = tmp_path / "restore"
    restore.mkdir()
    DecryptTree(docs, ["docs"], str(restore)).run()
    assert tree(restore) == {"docs": b"<dir>", "docs/a.txt": b"a", "docs/sub": b"<dir>",
                             "docs/sub/b.txt": b"b"}


def test_a_folder_to_a_missing_path_becomes_it(docs: VaultFileSystem, tmp_path: Path) -> None:
    DecryptTree(docs, ["docs"], str(tmp_path / "restore")).run()
    assert tree(tmp_path / "restore") == {"a.txt": b"a", "sub": b"<dir>", "sub/b.txt": b"b"}


def test_a_nested_folder_adds_no_level(docs: VaultFileSystem, tmp_path: Path) -> None:
    restore = tmp_path / "restore"
    restore.mkdir()
    DecryptTree(docs, ["docs/sub"], str(restore)).run()
    assert tree(restore) == {"sub": b"<dir>", "sub/b.txt": b"b"}
    DecryptTree(docs, ["/docs/sub/"], str(tmp_path / "fresh")).run()
    assert tree(tmp_path / "fresh") == {"b.txt": b"b"}


def test_a_trailing_separator_means_into(docs: VaultFileSystem, tmp_path: Path) -> None:
    DecryptTree(docs, ["docs/sub"], str(tmp_path / "new") + os.sep).run()
    assert tree(tmp_path / "new") == {"sub": b"<dir>", "sub/b.txt": b"b"}


def test_several_sources_go_into_the_folder(docs: VaultFileSystem, tmp_path: Path) -> None:
    DecryptTree(docs, ["docs/sub", "top.txt"], str(tmp_path / "many")).run()
    assert tree(tmp_path / "many") == {"sub": b"<dir>", "sub/b.txt": b"b", "top.txt": b"top"}


def test_the_root_is_its_contents(docs: VaultFileSystem, tmp_path: Path) -> None:
    DecryptTree(docs, ["/"], str(tmp_path / "all")).run()
    assert set(tree(tmp_path / "all")) == {"docs", "docs/a.txt", "docs/sub", "docs/sub/b.txt",
                                          "top.txt"}


def test_a_file_to_a_missing_path_or_over_a_file(docs: VaultFileSystem,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    DecryptTree(docs, ["docs/a.txt"], str(out / "copy.txt")).run()
    assert (out / "copy.txt").read_bytes() == b"a"
    DecryptTree(docs, ["top.txt"], str(out / "copy.txt")).run()
    assert tree(out) == {"copy.txt": b"top"}


def test_a_folder_onto_a_file_is_refused(docs: VaultFileSystem, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"mine")
    with pytest.raises(NotADirectoryError):
        DecryptTree(docs, ["docs"], str(tmp_path / "f")).run()
    with pytest.raises(NotADirectoryError):
        DecryptTree(docs, ["docs", "top.txt"], str(tmp_path / "f")).run()
    assert (tmp_path / "f").read_bytes() == b"mine"


def test_exact_makes_the_destination_the_copy_even_if_it_exists(docs: VaultFileSystem,
                                                                tmp_path: Path) -> None:
    target = tmp_path / "chosen"
    target.mkdir()
    DecryptTree(docs, ["docs/sub"], str(target), exact=True).run()
    assert tree(target) == {"b.txt": b"b"}


# -- one bad entry never stops the others --------------------------------------------------

def reasons(result: TransferResult) -> dict[str, str]:
    return {f.path: f.reason for f in result.failures}


@pytest.mark.parametrize(("name", "why"), [
    ("..", "cannot be a local file name"),
    (".", "cannot be a local file name"),
    ("a/b", "contains '/'"),
    ("a\\b", "contains '\\'"),
    ("nul\x00byte", "NUL"),
])
def test_names_that_cannot_be_local_names_are_reported(vault: Vault, tmp_path: Path,
                                                       name: str, why: str) -> None:
    vfs = vault.vfs
    vfs.pipe_file("d/good.txt", b"good")
    vault.craft_file("d", name, b"hostile")
    result = DecryptTree(vfs, ["d"], str(tmp_path / "out")).run()
    assert tree(tmp_path / "out") == {"good.txt": b"good"}
    assert result.files == 1
    ((path, reason),) = reasons(result).items()
    assert path == f"d/{name}" and why in reason
    assert "storage error" not in reason and "relative path" not in reason


def test_a_name_too_long_for_the_local_disk_is_reported(vault: Vault, tmp_path: Path) -> None:
    vfs = vault.vfs
    long_name = "x" * 300  # the vault shortens it; ext4 and most others stop at 255 bytes
    vfs.pipe_file(f"d/{long_name}", b"long")
    vfs.pipe_file("d/ok", b"ok")
    result = DecryptTree(vfs, ["d"], str(tmp_path / "out")).run()
    assert tree(tmp_path / "out") == {"ok": b"ok"}
    assert "300 bytes long" in reasons(result)[f"d/{long_name}"]


def test_damaged_files_and_folders_are_reported_and_the_rest_copied(vault: Vault,
                                                                    tmp_path: Path) -> None:
    vfs = vault.vfs
    vfs.pipe_file("d/1-fine.txt", b"fine")
    vfs.pipe_file("d/2-tampered.bin", os.urandom(70_000))
    vfs.pipe_file("d/3-truncated.bin", b"t" * 100)
    vfs.pipe_file("d/lost/inside.txt", b"gone")
    vfs.pipe_file("d/z-after.txt", b"after")
    node = vfs.ciphertext_paths("d/2-tampered.bin")[0]
    data = bytearray(vfs.storage.cat_file(node))
    data[-30] ^= 1
    vfs.storage.pipe_file(node, bytes(data))
    node = vfs.ciphertext_paths("d/3-truncated.bin")[0]
    vfs.storage.pipe_file(node, bytes(vfs.storage.cat_file(node))[:80])
    vfs.storage.rm(vfs.ciphertext_paths("d/lost")[1], recursive=True)
    vfs.invalidate_cache()

    job = DecryptTree(vfs, ["d"], str(tmp_path / "out"), workers=2)
    result = job.run()
    out = tree(tmp_path / "out")
    assert out == {"1-fine.txt": b"fine", "z-after.txt": b"after"}  # no empty "lost"
    why = reasons(result)
    assert set(why) == {"d/2-tampered.bin", "d/3-truncated.bin", "d/lost"}
    assert "authentication failed" in why["d/2-tampered.bin"]
    assert "impossible size" in why["d/3-truncated.bin"]
    assert "content folder is missing" in why["d/lost"]
    assert result.files == 2 and not result.complete
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".part")]
    assert "3 items could not be copied" in str(PartialTransferError(result))


def test_a_local_name_taken_by_a_folder_is_reported(docs: VaultFileSystem,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)
    (out / "sub").write_bytes(b"a file where a folder goes")
    result = DecryptTree(docs, ["docs"], str(out), exact=True).run()
    assert set(reasons(result)) == {"docs/a.txt", "docs/sub"}
    assert (out / "sub").read_bytes() == b"a file where a folder goes"


# -- one name in two Unicode forms -----------------------------------------------------------

def test_nfc_and_nfd_twins_are_both_exported(vault: Vault, tmp_path: Path) -> None:
    vfs = vault.vfs
    vfs.pipe_file(f"d/{NFC}", b"written as NFC")
    vault.craft_file("d", NFD, b"written as NFD")
    result = DecryptTree(vfs, ["d"], str(tmp_path / "out")).run()
    assert result.complete
    assert tree(tmp_path / "out") == {NFC: b"written as NFC",
                                      unicodedata.normalize("NFD", "café (2).txt"):
                                          b"written as NFD"}
    ((renamed),) = result.renamed
    assert renamed.path == f"d/{NFD}" and "Unicode form" in renamed.reason


# -- what is replaced keeps its mode -------------------------------------------------------

def test_a_download_over_a_private_file_keeps_it_private(docs: VaultFileSystem,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_bytes(b"old")
    (out / "a.txt").chmod(0o600)
    DecryptTree(docs, ["docs/a.txt"], str(out)).run()
    assert (out / "a.txt").read_bytes() == b"a"
    assert stat.S_IMODE((out / "a.txt").stat().st_mode) == 0o600


def test_a_damaged_source_is_reported_and_the_other_sources_copied(docs: VaultFileSystem,
                                                                   tmp_path: Path) -> None:
    node = docs.ciphertext_paths("docs/sub")[0]
    docs.storage.pipe_file(f"{node}/dir.c9r", b"\xff" * 10)
    docs.invalidate_cache()
    result = DecryptTree(docs, ["docs/sub", "top.txt"], str(tmp_path / "out")).run()
    assert tree(tmp_path / "out") == {"top.txt": b"top"}
    assert "damaged" in reasons(result)["docs/sub"]
    with pytest.raises(FileNotFoundError):
        DecryptTree(docs, ["top.txt", "no-such"], str(tmp_path / "never")).run()
    assert not (tmp_path / "never").exists()


def test_two_names_of_one_folder_are_copied_once_and_reported(vault: Vault,
                                                              tmp_path: Path) -> None:
    vfs = vault.vfs
    vfs.pipe_file("a/x.txt", b"x")
    vfs.mkdir("b")
    b_node = vfs.ciphertext_paths("b")[0]
    vfs.storage.pipe_file(f"{b_node}/dir.c9r", vfs.mapper.dir_id("a").encode())  # b -> a's id
    vfs.invalidate_cache()
    result = DecryptTree(vfs, ["/"], str(tmp_path / "out")).run()
    assert tree(tmp_path / "out") == {"a": b"<dir>", "a/x.txt": b"x"}
    assert "the same folder as a" in reasons(result)["b"]
