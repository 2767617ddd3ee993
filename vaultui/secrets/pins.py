"""Trust on first use: each vault's id pinned to its key fingerprint, like ssh's known_hosts."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from vaultui.secrets.store import check_vault_id

PINS_FILE_NAME = "known_vaults"
#: Set to put the pin file elsewhere (tests; a portable install).
PINS_ENV = "VAULTUI_KNOWN_VAULTS"
#: A pin file larger than this is not ours: refuse it rather than read it all.
MAX_PINS_FILE_SIZE = 4 * 1024 * 1024


class PinMismatchError(Exception):
    """The vault at this id now has a different key than when it was first unlocked."""


def default_pins_path() -> Path:
    override = os.environ.get(PINS_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "vaultui" / PINS_FILE_NAME


class PinStore:
    """Lines `<vault id> <key fingerprint>`; the fingerprint is one-way (see key_fingerprint)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_pins_path()

    def __repr__(self) -> str:
        return f"PinStore({self.path})"

    def _load(self) -> dict[str, str]:
        try:
            with self.path.open("rb") as f:
                data = f.read(MAX_PINS_FILE_SIZE + 1)
        except FileNotFoundError:
            return {}
        if len(data) > MAX_PINS_FILE_SIZE:
            raise PinMismatchError(f"{self.path} is too large to be vaultui's pin file")
        pins: dict[str, str] = {}
        for line in data.decode("utf-8", "replace").splitlines():
            vault, sep, fingerprint = line.rpartition(" ")
            if sep and vault and fingerprint:
                pins[vault] = fingerprint
        return pins

    def _save(self, pins: dict[str, str]) -> bool:
        """Write the pins; False when the config folder is not writable (the unlock goes
        on: a pin that cannot be kept protects nothing, but must not lock the user out)."""
        try:
            self._write(pins)
        except OSError:
            return False
        return True

    def _write(self, pins: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"{vault} {fp}\n" for vault, fp in sorted(pins.items()))
        fd, tmp = tempfile.mkstemp(prefix=".known_vaults.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get(self, vault_id: str) -> str | None:
        return self._load().get(check_vault_id(vault_id))

    def check(self, vault_id: str, fingerprint: str) -> bool:
        """True when the vault was pinned to this fingerprint; pin it (and return False) when
        it was never seen; PinMismatchError when it was pinned to another key."""
        vault_id = check_vault_id(vault_id)
        pins = self._load()
        pinned = pins.get(vault_id)
        if pinned == fingerprint:
            return True
        if pinned is not None:
            raise PinMismatchError(
                f"the vault {vault_id} now has a different key than when you first unlocked "
                "it. Someone who can write to its storage may have replaced it with a vault "
                "of their own to read what you put in. If its owner rotated the key, check "
                "with them, then unlock once with the passphrase or run `vaultui-cli share "
                "VAULT trust`.")
        pins[vault_id] = fingerprint
        self._save(pins)
        return False

    def pin(self, vault_id: str, fingerprint: str) -> None:
        """Pin (or re-pin) a vault: after an unlock that proves it is the real one."""
        pins = self._load()
        vault_id = check_vault_id(vault_id)
        if pins.get(vault_id) != fingerprint:  # most unlocks change nothing: no write
            pins[vault_id] = fingerprint
            self._save(pins)

    def forget(self, vault_id: str) -> bool:
        """Drop a vault's pin (its owner rotated the key); False when there was none."""
        pins = self._load()
        if pins.pop(check_vault_id(vault_id), None) is None:
            return False
        self._save(pins)
        return True
