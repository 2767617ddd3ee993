"""VaultLocation.vault_id: stable wherever the vault is reached from, different between vaults."""

from __future__ import annotations

import shutil
from pathlib import Path

from vaultui.fs.vault import VaultLocation


def test_vault_id_is_stable_and_follows_the_vault(tmp_path: Path) -> None:
    a = VaultLocation.from_url(str(tmp_path / "a"))
    a.fs.mkdir(a.root)
    a.create("passphrase-a", scrypt_cost=1024)
    b = VaultLocation.from_url(str(tmp_path / "b"))
    b.fs.mkdir(b.root)
    b.create("passphrase-b", scrypt_cost=1024)
    assert a.vault_id() == a.vault_id() != b.vault_id()
    shutil.copytree(tmp_path / "a", tmp_path / "moved")
    assert VaultLocation.from_url(str(tmp_path / "moved")).vault_id() == a.vault_id()
    assert VaultLocation.from_url(f"file://{tmp_path}/a").vault_id() == a.vault_id()
