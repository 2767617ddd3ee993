"""Known vaults: one :class:`Vault` controller each, and the list model the sidebar shows.

A Vault owns its state machine and, while unlocked, its VaultFileSystem. Checking the
location and unlocking (scrypt) run as jobs on the vault's thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaultui.crypto.errors import AuthenticationError, FormatError, VaultError
from vaultui.crypto.keys import Masterkey
from vaultui.fs.errors import VaultNotFoundError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.icons import state_icon
from vaultui.gui.core.qt import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from vaultui.gui.core.settings import Settings, VaultEntry
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.gui.vaults.state import VaultState, VaultStateMachine

Index = QModelIndex | QPersistentModelIndex


def describe_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text


def _check_job(url: str, options: dict[str, Any] | None = None) -> Any:
    def job(ctx: JobContext) -> bool:
        return VaultLocation.from_url(url, options).is_vault()
    return job


def _unlock_job(url: str, secret: str | Masterkey, options: dict[str, Any] | None = None
                ) -> Any:
    def job(ctx: JobContext) -> VaultFileSystem:
        if isinstance(secret, Masterkey):  # a key slot opened it (unlock.py)
            return VaultFileSystem(url, masterkey=secret, storage_options=options)
        return VaultFileSystem(url, passphrase=secret, storage_options=options)
    return job


class Vault(QObject):
    """One known vault and what the app knows about it now.

    Signals:
        stateChanged(old: VaultState, new: VaultState): see VaultStateMachine.
        unlockFailed(message: str): an unlock attempt ended without unlocking.
        locked(): the vault was locked (its filesystem dropped).
    """

    stateChanged = Signal(object, object)  # noqa: N815
    unlockFailed = Signal(str)  # noqa: N815
    locked = Signal()

    def __init__(self, entry: VaultEntry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.machine = VaultStateMachine(parent=self)
        self.machine.stateChanged.connect(self.stateChanged)
        self.runner = TaskRunner(max_threads=1, parent=self)
        self.fs: VaultFileSystem | None = None
        self.error: str = ""
        #: Options for the storage (credentials included): in memory only, from the keyring.
        self.storage_options: dict[str, Any] = {}
        #: True while the options are being read back from the keyring (see load_options).
        self.options_pending = False
        #: Where the vault is shown as a drive (folder or URL), while it is.
        self.drive: str | None = None

    @property
    def state(self) -> VaultState:
        return self.machine.state

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def url(self) -> str:
        return self.entry.url

    def load_options(self, read: Callable[[], dict[str, Any]]) -> None:
        """Read the storage options back (from the keyring) before anything else runs.

        The read runs on the vault's own serial runner and fills `storage_options` there,
        so every check or unlock queued after it reaches the storage with them; a remote
        vault checked or unlocked without its credentials would fail ("Unable to locate
        credentials"). The vault is checked again once they are in.
        """
        self.options_pending = True
        options = self.storage_options

        def job(ctx: JobContext) -> None:
            options.update(read())

        def finished(_result: object = None) -> None:
            self.options_pending = False
            self.check()

        self.runner.run(job, on_success=finished, on_failure=finished)

    def when_ready(self, then: Callable[[], None]) -> None:
        """Run `then` on the GUI thread once the storage options are in (at once if they are)."""
        if not self.options_pending:
            then()
            return
        # The runner is serial: this no-op ends after the options' read, and its result
        # arrives after that read's.
        self.runner.run(lambda ctx: None, on_success=lambda _result: then())

    def check(self) -> None:
        """Look whether the vault is (still) there; LOCKED <-> MISSING, in a worker."""
        if self.options_pending:
            return  # load_options checks once the options are in
        if self.state not in (VaultState.LOCKED, VaultState.MISSING, VaultState.ERROR):
            return

        def done(is_vault: object) -> None:
            if self.state in (VaultState.UNLOCKING, VaultState.UNLOCKED):
                return
            self.machine.move(VaultState.LOCKED if is_vault else VaultState.MISSING)

        def failed(exc: BaseException) -> None:
            if self.state in (VaultState.UNLOCKING, VaultState.UNLOCKED):
                return
            self.error = describe_error(exc)
            self.machine.move(VaultState.ERROR)

        self.runner.run(_check_job(self.url, self.storage_options), on_success=done,
                        on_failure=failed)

    def unlock(self, passphrase: str | Masterkey) -> None:
        """Derive the key (scrypt), or take the one a key slot gave, and open the
        filesystem in a worker."""
        self.machine.move(VaultState.UNLOCKING)

        def done(fs: object) -> None:
            assert isinstance(fs, VaultFileSystem)
            self.fs = fs
            self.error = ""
            self.machine.move(VaultState.UNLOCKED)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, AuthenticationError):
                self.machine.move(VaultState.LOCKED)
                self.unlockFailed.emit(describe_error(exc).capitalize() + ".")
            elif isinstance(exc, VaultNotFoundError):
                self.error = describe_error(exc)
                self.machine.move(VaultState.MISSING)
                self.unlockFailed.emit(self.error)
            else:
                self.error = describe_error(exc)
                self.machine.move(VaultState.ERROR)
                self.unlockFailed.emit(self.error)

        self.runner.run(_unlock_job(self.url, passphrase, self.storage_options),
                        on_success=done, on_failure=failed)

    def lock(self) -> None:
        if self.state is not VaultState.UNLOCKED:
            return
        # Drop the filesystem with its caches (cleartext names, directory ids) and the key
        # it holds; what the panes decrypted to temporary files goes with their close_down.
        fs, self.fs = self.fs, None
        if fs is not None:
            fs.invalidate_cache()
        self.machine.move(VaultState.LOCKED)
        self.locked.emit()

    def shutdown(self) -> None:
        self.runner.shutdown()


_ERRORS = (VaultError, FormatError, OSError)


class VaultListModel(QAbstractListModel):
    """The known vaults, persisted in Settings (never with a secret).

    Signals:
        vaultAdded(vault: Vault), vaultRemoved(vault: Vault)
    """

    vaultAdded = Signal(object)  # noqa: N815
    vaultRemoved = Signal(object)  # noqa: N815

    VaultRole = Qt.ItemDataRole.UserRole + 1
    StateRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._vaults: list[Vault] = []
        for entry in settings.vaults():
            self._append(entry)

    def _append(self, entry: VaultEntry) -> Vault:
        vault = Vault(entry, self)
        vault.stateChanged.connect(lambda *_: self._changed(vault))
        self._vaults.append(vault)
        return vault

    def set_drive(self, vault: Vault, location: str | None) -> None:
        """Show in the list whether (and where) a vault is mounted as a drive."""
        vault.drive = location
        self._changed(vault)

    def _changed(self, vault: Vault) -> None:
        if vault in self._vaults:
            row = self._vaults.index(vault)
            self.dataChanged.emit(self.index(row), self.index(row))

    def vaults(self) -> list[Vault]:
        return list(self._vaults)

    def vault(self, index: Index) -> Vault | None:
        if not index.isValid() or index.row() >= len(self._vaults):
            return None
        return self._vaults[index.row()]

    def find(self, url: str) -> Vault | None:
        for vault in self._vaults:
            if vault.url.rstrip("/") == url.rstrip("/"):
                return vault
        return None

    def add(self, url: str, name: str | None = None,
            storage_options: dict[str, Any] | None = None) -> Vault:
        """Add a vault by location (or return the one already listed there)."""
        existing = self.find(url)
        if existing is not None:
            return existing
        row = len(self._vaults)
        self.beginInsertRows(QModelIndex(), row, row)
        vault = self._append(VaultEntry.new(url, name))
        vault.storage_options = dict(storage_options or {})
        self.endInsertRows()
        self._save()
        self.vaultAdded.emit(vault)
        vault.check()
        return vault

    def remove(self, vault: Vault) -> None:
        """Forget a vault (the vault itself stays where it is)."""
        if vault not in self._vaults:
            return
        vault.lock()
        vault.shutdown()
        row = self._vaults.index(vault)
        self.beginRemoveRows(QModelIndex(), row, row)
        self._vaults.pop(row)
        self.endRemoveRows()
        self._save()
        self.vaultRemoved.emit(vault)

    def check_all(self) -> None:
        for vault in self._vaults:
            vault.check()

    def shutdown(self) -> None:
        for vault in self._vaults:
            vault.lock()
            vault.shutdown()

    def _save(self) -> None:
        self.settings.set_vaults([v.entry for v in self._vaults])

    def index_of(self, vault: Vault) -> QModelIndex:
        return self.index(self._vaults.index(vault)) if vault in self._vaults else QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._vaults)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        vault = self.vault(index)
        if vault is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{vault.name}  (drive)" if vault.drive else vault.name
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{vault.name}\n{vault.url}\n{vault.state.label}"
            if vault.drive:
                tip += f"\nDrive: {vault.drive}"
            return tip + (f"\n{vault.error}" if vault.error else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return state_icon(vault.state)
        if role == self.VaultRole:
            return vault
        if role == self.StateRole:
            return vault.state
        return None
