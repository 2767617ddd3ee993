"""The pin store: trust on first use, refusal on change, and a config folder it cannot write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaultui.secrets.pins import PinMismatchError, PinStore


def test_first_use_then_match_then_mismatch(tmp_path: Path) -> None:
    pins = PinStore(tmp_path / "cfg" / "known_vaults")
    assert pins.check("vault:a", "SHA256:one") is False
    assert pins.check("vault:a", "SHA256:one") is True
    with pytest.raises(PinMismatchError, match="different key"):
        pins.check("vault:a", "SHA256:two")
    pins.pin("vault:a", "SHA256:two")
    assert pins.get("vault:a") == "SHA256:two"
    assert pins.forget("vault:a") and not pins.forget("vault:a")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_config_folder_does_not_lock_anyone_out(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        pins = PinStore(folder / "known_vaults")
        assert pins.check("vault:a", "SHA256:one") is False
        pins.pin("vault:a", "SHA256:one")
    finally:
        folder.chmod(0o700)


def test_a_pin_path_that_is_a_folder_does_not_lock_anyone_out(tmp_path: Path) -> None:
    # Stands in for an unwritable config folder when the tests run as root.
    blocked = tmp_path / "cfg"
    blocked.write_text("a file where the folder should be")
    pins = PinStore(blocked / "known_vaults")
    with pytest.raises(OSError):
        pins.get("vault:a")  # reading says what is wrong …
    assert pins._save({"vault:a": "SHA256:one"}) is False  # … writing just does not keep it


def test_the_environment_moves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULTUI_KNOWN_VAULTS", str(tmp_path / "elsewhere"))
    assert PinStore().path == tmp_path / "elsewhere"
