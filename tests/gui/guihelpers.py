"""Helpers for the GUI tests: real local vaults with files, unlocking and waiting."""

from __future__ import annotations

from pathlib import Path

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.vault import Vault

PASSPHRASE = "correct horse battery staple"
FAST_SCRYPT = 1 << 10  # the tests need a vault, not a strong KDF


def make_vault(folder: Path, files: dict[str, bytes] | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    VaultLocation.from_url(str(folder)).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT)
    if files:
        fs = VaultFileSystem(str(folder), passphrase=PASSPHRASE)
        for path, data in files.items():
            if path.endswith("/"):
                fs.makedirs(path.rstrip("/"), exist_ok=True)
            else:
                parent = path.rsplit("/", 1)[0] if "/" in path else ""
                if parent:
                    fs.makedirs(parent, exist_ok=True)
                fs.pipe_file(path, data)
    return str(folder)


DEMO_FILES = {
    "hello.txt": b"hello",
    "docs/": b"",
    "docs/report.txt": b"r" * 5000,
    "docs/deep/": b"",
    "empty/": b"",
}




def unlock(qtbot, vault: Vault, passphrase: str = PASSPHRASE) -> None:
    qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=5000)
    with qtbot.waitSignal(vault.stateChanged, timeout=10_000,
                          check_params_cb=lambda old, new: new is VaultState.UNLOCKED):
        vault.unlock(passphrase)
