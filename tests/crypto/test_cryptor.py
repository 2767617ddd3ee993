"""VaultCryptor and new-vault material; whole vault trees exchanged with pycryptomator."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from pycryptomator.cryptomator import Vault, init_vault

from tests.crypto.helpers import fixed_key, pattern, quiet
from vaultui.crypto import (
    AuthenticationError,
    CipherCombo,
    MasterkeyFile,
    UnverifiedVaultConfig,
    VaultConfig,
    VaultCryptor,
    new_dir_id,
    new_vault_files,
)
from vaultui.crypto.sizes import ciphertext_size

FAST = 1024


def test_new_vault_files(combo: CipherCombo) -> None:
    files = new_vault_files("pw", cipher_combo=combo, scrypt_cost=FAST)
    key = MasterkeyFile.parse(files.masterkey_file).unlock("pw")
    assert key == files.masterkey
    config = UnverifiedVaultConfig.parse(files.vault_config).verify(key)
    assert config == files.config and config.cipher_combo is combo
    cryptor = VaultCryptor(key, config)
    assert files.root_dir_path == cryptor.dir_path("")
    assert len(files.root_dir_id_backup) == ciphertext_size(0, combo)
    assert cryptor.decrypt_file(files.root_dir_id_backup) == b""


def test_new_vault_files_with_a_given_key_and_threshold() -> None:
    key = fixed_key()
    files = new_vault_files("pw", masterkey=key, shortening_threshold=100, scrypt_cost=FAST)
    assert files.masterkey is key
    assert UnverifiedVaultConfig.parse(files.vault_config).verify(key).shortening_threshold == 100


def test_dir_id_backup(combo: CipherCombo) -> None:
    cryptor = VaultCryptor(fixed_key(), VaultConfig.new(combo))
    dir_id = new_dir_id()
    backup = cryptor.dir_id_backup(dir_id)
    assert len(backup) == ciphertext_size(36, combo)
    assert cryptor.decrypt_file(backup) == dir_id.encode()


def test_file_round_trip(combo: CipherCombo) -> None:
    cryptor = VaultCryptor(fixed_key(), VaultConfig.new(combo))
    data = pattern(100_000)
    assert cryptor.decrypt_file(cryptor.encrypt_file(data)) == data


# --- whole trees ------------------------------------------------------------------------------

LONG = "A long file name, " * 9 + ".txt"  # 166 bytes: stored as .c9s


class KeptOpen(io.BytesIO):
    """pycryptomator's decryptFile closes the destination it is given."""

    def close(self) -> None:
        pass


def write_node_file(path: Path, cryptor: VaultCryptor, parent: str, name: str,
                    data: bytes) -> None:
    """Write a file the way the format lays it out (the fs layer's job; done by hand here)."""
    node = path / cryptor.storage_name(name, parent)
    if node.suffix == ".c9s":
        node.mkdir()
        (node / "name.c9s").write_text(cryptor.full_encrypted_name(name, parent))
        node = node / "contents.c9r"
    node.write_bytes(cryptor.encrypt_file(data))


def test_vault_written_by_us_reads_in_pycryptomator(tmp_path: Path) -> None:
    files = new_vault_files("pw", scrypt_cost=FAST)
    (tmp_path / "masterkey.cryptomator").write_bytes(files.masterkey_file)
    (tmp_path / "vault.cryptomator").write_bytes(files.vault_config)
    cryptor = VaultCryptor(files.masterkey, files.config)
    root = tmp_path / files.root_dir_path
    root.mkdir(parents=True)
    (root / "dirid.c9r").write_bytes(files.root_dir_id_backup)

    write_node_file(root, cryptor, "", "hello.txt", b"hello world")
    write_node_file(root, cryptor, "", LONG, pattern(70_000))
    docs_id = new_dir_id()
    docs = root / cryptor.storage_name("Docs", "")
    docs.mkdir()
    (docs / "dir.c9r").write_text(docs_id)
    docs_content = tmp_path / cryptor.dir_path(docs_id)
    docs_content.mkdir(parents=True)
    (docs_content / "dirid.c9r").write_bytes(cryptor.dir_id_backup(docs_id))
    write_node_file(docs_content, cryptor, docs_id, "inner é.bin", pattern(5))
    link = root / cryptor.storage_name("link", "")
    link.mkdir()
    (link / "symlink.c9r").write_bytes(cryptor.encrypt_file(b"hello.txt"))

    with quiet():
        vault = Vault(str(tmp_path), password="pw")
        listing = {root_: (sorted(dirs), sorted(names)) for root_, dirs, names in vault.walk("/")}
        contents = {}
        for virtual in ("/hello.txt", "/" + LONG, "/Docs/inner é.bin"):
            out = KeptOpen()
            vault.decryptFile(virtual, out)
            contents[virtual] = out.getvalue()
        link_info = vault.getInfo("/link")
    assert listing == {"/": (["Docs"], sorted(["hello.txt", LONG, "link"])),
                       "/Docs": ([], ["inner é.bin"])}
    assert contents == {"/hello.txt": b"hello world", "/" + LONG: pattern(70_000),
                        "/Docs/inner é.bin": pattern(5)}
    assert link_info.pointsTo == "/hello.txt"


def test_vault_written_by_pycryptomator_reads_with_our_code(tmp_path: Path) -> None:
    with quiet():
        init_vault(str(tmp_path), "pw")
        vault = Vault(str(tmp_path), password="pw")
        vault.mkdir("/Docs")
        vault.encryptFile(io.BytesIO(pattern(40_000)), "/Docs/a.txt")
        vault.encryptFile(io.BytesIO(b"long"), "/" + LONG)
        vault.ln("/Docs/a.txt", "/alink")

    key = MasterkeyFile.parse((tmp_path / "masterkey.cryptomator").read_bytes()).unlock("pw")
    config = UnverifiedVaultConfig.parse((tmp_path / "vault.cryptomator").read_bytes()).verify(key)
    cryptor = VaultCryptor(key, config)
    root = tmp_path / cryptor.dir_path("")

    listed = {}
    for entry in os.scandir(root):
        if entry.name == "dirid.c9r":
            continue
        if entry.name.endswith(".c9s"):
            full = (Path(entry.path) / "name.c9s").read_text()
            assert cryptor.storage_name(cryptor.names.decrypt_name(full[:-4], ""), "") == \
                entry.name
            listed[cryptor.names.decrypt_name(full[:-4], "")] = entry.name
        else:
            listed[cryptor.names.decrypt_name(entry.name[:-4], "")] = entry.name
    assert set(listed) == {"Docs", LONG, "alink"}

    docs_id = (root / listed["Docs"] / "dir.c9r").read_text()
    docs_content = tmp_path / cryptor.dir_path(docs_id)
    assert cryptor.decrypt_file((docs_content / "dirid.c9r").read_bytes()) == docs_id.encode()
    a_txt = docs_content / cryptor.storage_name("a.txt", docs_id)
    assert cryptor.decrypt_file(a_txt.read_bytes()) == pattern(40_000)
    assert cryptor.decrypt_file((root / listed[LONG] / "contents.c9r").read_bytes()) == b"long"
    target = cryptor.decrypt_file((root / listed["alink"] / "symlink.c9r").read_bytes())
    assert target == b"/Docs/a.txt"

    # pycryptomator 1.15's init_vault writes the root dirid.c9r with the header payload left
    # unencrypted, so it does not authenticate; should that be fixed, it must decrypt to b"".
    with contextlib.suppress(AuthenticationError):
        assert cryptor.decrypt_file((root / "dirid.c9r").read_bytes()) == b""


@pytest.mark.parametrize("combo", list(CipherCombo))
def test_cryptor_repr_names_the_combo(combo: CipherCombo) -> None:
    assert combo.value in repr(VaultCryptor(fixed_key(), VaultConfig.new(combo)))
