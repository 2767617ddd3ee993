"""Unlocked vaults shown as drives ("Reveal drive"): mount, open in the file manager, unmount."""

from __future__ import annotations

import os
from collections.abc import Callable

from vaultui.gui.core.qt import QDesktopServices, QMessageBox, QObject, QUrl, QWidget, Signal
from vaultui.gui.core.settings import Settings
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.vault import Vault, VaultListModel
from vaultui.mount.drive import DriveKind, DriveMount, FilesStillOpenError, preferred_kind


class VaultDrives(QObject):
    """The drives of the unlocked vaults (one each at most), and whether to show one on unlock.

    Signals:
        messageRaised(text: str, ms: int): something the status bar should say, and how long.
        changed(): a drive was mounted or unmounted.
    """

    messageRaised = Signal(str, int)  # noqa: N815
    changed = Signal()

    def __init__(self, vaults: VaultListModel, settings: Settings, window: QWidget) -> None:
        super().__init__(window)
        self.vaults = vaults
        self.settings = settings
        self.window = window  # the parent of the force-lock question
        self.mounts: dict[Vault, DriveMount] = {}
        #: Where FUSE drives are mounted.
        self.root = os.path.join(
            os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
            "vaultui", "drives")
        #: Opens a folder or URL in the file manager (tests replace it).
        self.open_location: Callable[[str], None] = _open_location

    def on_unlock(self, vault: Vault) -> bool:
        """Whether the vault is to be revealed as a drive when it is unlocked (its options)."""
        return str(self.settings.value(_drive_key(vault), False)).lower() == "true"

    def set_on_unlock(self, vault: Vault, reveal: bool) -> None:
        self.settings.set_value(_drive_key(vault), reveal)

    def location(self, vault: Vault) -> str | None:
        drive = self.mounts.get(vault)
        return drive.location if drive is not None else None

    def reveal(self, vault: Vault) -> str | None:
        """Mount an unlocked vault (once) and open it in the file manager."""
        if vault.state is not VaultState.UNLOCKED or vault.fs is None:
            return None
        drive = self.mounts.get(vault)
        if drive is None:
            kind = preferred_kind()
            mountpoint = None
            if kind is DriveKind.FUSE:
                mountpoint = _free_folder(self.root, vault.name)
            drive = DriveMount(vault.fs, kind, mountpoint=mountpoint)
            try:
                drive.start()
            except OSError as exc:
                self.messageRaised.emit(f"Could not show the vault as a drive: {exc}", 10_000)
                return None
            self.mounts[vault] = drive
            self.vaults.set_drive(vault, drive.location)
        location = drive.location or ""
        if drive.kind is DriveKind.WEBDAV:
            self.messageRaised.emit(
                f"WebDAV drive at {location}; user and password in {drive.credential_file}",
                30_000)
        self.open_location(location)
        self.changed.emit()
        return location

    def release(self, vault: Vault) -> bool:
        """Unmount the vault's drive before a lock, asking while files are open in it.

        False when the lock is not to go on (the user declined, or the unmount failed).
        """
        drive = self.mounts.get(vault)
        if drive is None:
            return True
        try:
            drive.stop()
        except FilesStillOpenError as exc:
            if not ask_force_lock(self.window, vault.name, exc.count):
                return False
            drive.stop(force=True)
        except OSError as exc:
            self.messageRaised.emit(f"Could not unmount the drive: {exc}", 10_000)
            return False
        self.mounts.pop(vault, None)
        self.vaults.set_drive(vault, None)
        self.changed.emit()
        return True

    def stop(self, vault: Vault) -> None:
        """The vault is locking or the app is closing: the drive goes, open files or not."""
        drive = self.mounts.pop(vault, None)
        if drive is not None:
            self.vaults.set_drive(vault, None)
            try:
                drive.stop(force=True)
            except OSError as exc:
                self.messageRaised.emit(f"Could not unmount the drive: {exc}", 10_000)


def ask_force_lock(parent: QWidget, name: str, count: int) -> bool:
    """Ask whether to lock although programs still hold files open in the drive."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Files are still open",
                      f"{count} file(s) of “{name}” are still open in other programs. Locking "
                      "now cuts them off; changes they have not saved are lost.",
                      QMessageBox.StandardButton.Cancel, parent)
    force = box.addButton("Force lock", QMessageBox.ButtonRole.DestructiveRole)
    box.exec()
    return box.clickedButton() is force


def _drive_key(vault: Vault) -> str:
    return f"drive_on_unlock/{vault.entry.id}"


def _open_location(location: str) -> None:
    url = QUrl(location) if "://" in location else QUrl.fromLocalFile(location)
    QDesktopServices.openUrl(url)


def _free_folder(root: str, name: str) -> str:
    """An empty folder under `root` to mount at, named after the vault."""
    safe = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name).strip(" .") or "vault"
    for i in range(1, 1000):
        path = os.path.join(root, safe if i == 1 else f"{safe} ({i})")
        os.makedirs(path, exist_ok=True)
        if not os.listdir(path) and not os.path.ismount(path):
            return path
    raise OSError("no free folder to mount the drive at")
