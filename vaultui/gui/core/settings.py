"""The list of known vaults, kept in the platform's standard settings place.

Only what identifies a vault is stored: an id, a display name and the location URL. Never a
passphrase, a key, or storage credentials (those belong in the OS keyring, later).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from vaultui.gui.core.qt import QSettings

#: Keys a settings entry may hold; anything else is dropped on load and never written.
_FIELDS = ("id", "name", "url")


@dataclass(frozen=True)
class VaultEntry:
    """A vault the user added: where it is and what to call it."""

    id: str
    name: str
    url: str

    @classmethod
    def new(cls, url: str, name: str | None = None) -> VaultEntry:
        # 9 random bytes, base64url, like Cryptomator's vault ids.
        return cls(secrets.token_urlsafe(9), name or default_name(url), url)


def default_name(url: str) -> str:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail or url


class Settings:
    """Known vaults and window state in a QSettings store.

    `path` selects an INI file (tests use a temp file); by default the platform's standard
    user settings place is used (~/.config/vaultui/vaultui.conf on Linux).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self.qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                       "vaultui", "vaultui")
        else:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return str(self.qsettings.fileName())

    def vaults(self) -> list[VaultEntry]:
        entries: list[VaultEntry] = []
        count = self.qsettings.beginReadArray("vaults")
        for i in range(count):
            self.qsettings.setArrayIndex(i)
            values = {k: self.qsettings.value(k, "") for k in _FIELDS}
            if all(isinstance(v, str) and v for v in values.values()):
                entries.append(VaultEntry(**{k: str(v) for k, v in values.items()}))
        self.qsettings.endArray()
        return entries

    def set_vaults(self, entries: list[VaultEntry]) -> None:
        self.qsettings.remove("vaults")
        self.qsettings.beginWriteArray("vaults", len(entries))
        for i, entry in enumerate(entries):
            self.qsettings.setArrayIndex(i)
            for key in _FIELDS:
                self.qsettings.setValue(key, getattr(entry, key))
        self.qsettings.endArray()
        self.qsettings.sync()

    def value(self, key: str, default: object = None) -> object:
        return self.qsettings.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self.qsettings.setValue(key, value)
