from __future__ import annotations

from pathlib import Path

from guihelpers import unlock

from vaultui.gui.core.settings import Settings, VaultEntry
from vaultui.gui.vaults.vault import VaultListModel


def test_vaults_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    entries = [VaultEntry.new("/data/a"), VaultEntry.new("s3://bucket/b", "B")]
    Settings(path).set_vaults(entries)
    assert Settings(path).vaults() == entries
    assert entries[0].name == "a"


def test_model_persists_without_secrets(qtbot, tmp_path: Path, vault_path: str) -> None:
    path = tmp_path / "s.ini"
    model = VaultListModel(Settings(path))
    vault = model.add(vault_path)
    qtbot.waitUntil(lambda: not vault.runner.active, timeout=5000)
    unlock(qtbot, vault)
    text = path.read_text()
    assert vault_path in text
    assert "correct horse" not in text and "horse" not in text
    again = VaultListModel(Settings(path))
    assert [v.url for v in again.vaults()] == [vault_path]
    model.remove(vault)
    assert VaultListModel(Settings(path)).vaults() == []
    model.shutdown()
    again.shutdown()
