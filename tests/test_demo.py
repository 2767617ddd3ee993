"""The demo vault: created where asked, unlocked by the passphrase the app shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultui.demo import DEMO_PASSPHRASE, create_demo_vault, main
from vaultui.fs.filesystem import VaultFileSystem


def test_demo_vault_opens_with_its_passphrase(tmp_path: Path) -> None:
    folder = create_demo_vault(str(tmp_path))
    assert folder == str(tmp_path / "Demo vault")
    fs = VaultFileSystem(folder, passphrase=DEMO_PASSPHRASE)
    assert fs.cat_file("README.txt") == b"Only ciphertext of this file is on disk.\n"
    assert sorted(fs.ls("", detail=False))[:3] == ["A file with a very long name " + "x" * 200
                                                   + ".txt", "Documents", "Photos"]


def test_demo_prints_both_views(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "new")]) == 0
    out = capsys.readouterr().out
    assert DEMO_PASSPHRASE in out
    assert "Documents/Letters/to-alice.txt" in out
    assert "vault.cryptomator" in out
    assert "Read back: Only ciphertext of this file is on disk." in out
