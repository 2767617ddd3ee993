"""Unlocking a vault: the keyring, then key slots, then the passphrase dialog, with reset.

As Cryptomator's UnlockWorkflow: a remembered passphrase unlocks without asking; a wrong one
keeps the dialog open; the passphrase goes to the keyring only after it unlocked the vault.
A keyring that is locked or absent means asking, never failing.
"""

from __future__ import annotations

from typing import Any

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.vault import Vault
from vaultui.gui.wizards.recoverykey import ResetPassphraseDialog
from vaultui.secrets.identities import (
    AGE_IDENTITY_ITEM,
    AgeIdentity,
    Identity,
    default_identities,
)
from vaultui.secrets.keychain import Keychain, Lookup
from vaultui.secrets.pins import PinMismatchError, PinStore
from vaultui.tasks.unlocking import Unlocked, unlock_by_slots


def lookup_job(keychain: Keychain, url: str, options: dict[str, Any]) -> Any:
    def job(ctx: JobContext) -> Lookup:
        try:
            key = VaultLocation.from_url(url, options).vault_id()
        except Exception:  # not readable now: the unlock itself will say why
            return Lookup(None)
        return keychain.get(key)
    return job


def slots_job(keychain: Keychain, url: str, options: dict[str, Any]) -> Any:
    """The vault opened through a key slot with the identities at hand (no prompts: an SSH
    key with a passphrase is skipped), pin checked; NoSlotOpenedError else."""
    def job(ctx: JobContext) -> Unlocked:
        identities: list[Identity] = []
        found = keychain.get(AGE_IDENTITY_ITEM)
        if found.secret is not None:
            identities.append(AgeIdentity(found.secret, "age identity in the keyring"))
        identities.extend(default_identities(None))
        location = VaultLocation.from_url(url, options)
        return unlock_by_slots(location, identities, pins=PinStore())
    return job


def remember_job(keychain: Keychain, url: str, options: dict[str, Any], passphrase: str) -> Any:
    def job(ctx: JobContext) -> str:
        return keychain.set(VaultLocation.from_url(url, options).vault_id(), passphrase)
    return job


class UnlockDialog(QDialog):
    """Unlocks one vault: keyring lookup, then (only if needed) the passphrase prompt.

    Call :meth:`begin`; the dialog shows itself only when it has to ask.

    Signals:
        remembered(problem: str): the keyring write ended ("" when the passphrase was saved).
        unlockedBy(source: str): a key slot opened the vault; which one, for the status bar.
    """

    remembered = Signal(str)
    unlockedBy = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, vault: Vault, keychain: Keychain, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.keychain = keychain
        self.runner = runner
        self.looking_up = False
        self._from_keyring = False
        self._typed = ""
        self.setWindowTitle(f"Unlock {vault.name}")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Passphrase")
        self.remember = QCheckBox("Remember the passphrase in the OS keyring")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # scrypt gives no progress
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()
        self.forgot_button = QPushButton("Forgot passphrase?")
        self.forgot_button.setFlat(True)
        self.forgot_button.setStyleSheet("color: palette(link); text-align: left")
        self.forgot_button.clicked.connect(self.forgot)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.unlock_button = self.buttons.addButton("Unlock",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start_unlock)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Enter the passphrase of <b>{vault.name}</b>"
                                f"<br><small>{vault.url}</small>"))
        layout.addWidget(self.passphrase)
        layout.addWidget(self.remember)
        layout.addWidget(self.note)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.forgot_button)
        layout.addWidget(self.buttons)
        self.reset_dialog: ResetPassphraseDialog | None = None
        vault.stateChanged.connect(self._state_changed)
        vault.unlockFailed.connect(self._failed)
        self.setMinimumWidth(420)

    # -- the flow ------------------------------------------------------------------------

    def begin(self) -> None:
        """Look in the keyring (in a worker); unlock with what is there, else ask."""
        self.looking_up = True
        self.runner.run(lookup_job(self.keychain, self.vault.url, self.vault.storage_options),
                        on_success=self._looked_up, on_failure=lambda _e: self._ask(""))

    def _looked_up(self, found: object) -> None:
        assert isinstance(found, Lookup)
        if not self.looking_up:  # the user typed a passphrase meanwhile
            return
        self.looking_up = False
        if found.problem:
            self.remember.setEnabled(False)
            self.remember.setToolTip(found.problem)
            self._ask(f"The OS keyring cannot be used ({found.problem}); enter the "
                      "passphrase instead.")
        elif found.secret is not None and self.vault.state in (VaultState.LOCKED,
                                                               VaultState.ERROR):
            self._from_keyring = True
            self._set_busy(True)
            self.vault.unlock(found.secret)
        else:
            self.looking_up = True
            self.runner.run(slots_job(self.keychain, self.vault.url, self.vault.storage_options),
                            on_success=self._slot_opened, on_failure=self._no_slot)

    def _slot_opened(self, unlocked: object) -> None:
        assert isinstance(unlocked, Unlocked)
        if not self.looking_up or self.vault.state not in (VaultState.LOCKED, VaultState.ERROR):
            return
        self.looking_up = False
        self._from_keyring = True  # nothing typed: nothing to remember
        self._set_busy(True)
        self.vault.unlock(unlocked.key)
        self.unlockedBy.emit(f"Unlocked with {unlocked.source}.")

    def _no_slot(self, exc: BaseException) -> None:
        if not self.looking_up:
            return
        # A changed key is a warning the user must see; "no slot" just means asking.
        self._ask(str(exc) if isinstance(exc, PinMismatchError) else "")

    def _ask(self, note: str) -> None:
        self.looking_up = False
        if note:
            self.note.setText(note)
            self.note.show()
        if not self.isVisible():
            self.open()
        self.passphrase.setFocus()

    def start_unlock(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.message.setText("Enter the passphrase.")
            return
        if self.vault.state is VaultState.UNLOCKING:
            return
        self.looking_up = False
        self._from_keyring = False
        self._typed = text
        self.message.clear()
        self._set_busy(True)
        self.vault.unlock(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.passphrase.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        self.forgot_button.setEnabled(not busy)

    def _state_changed(self, old: VaultState, new: VaultState) -> None:
        if new is not VaultState.UNLOCKED:
            return
        typed, self._typed = self._typed, ""
        self.passphrase.clear()
        if typed and self.remember.isChecked() and self.remember.isEnabled():
            self.runner.run(remember_job(self.keychain, self.vault.url,
                                         self.vault.storage_options, typed),
                            on_success=lambda problem: self.remembered.emit(str(problem)),
                            on_failure=lambda exc: self.remembered.emit(str(exc)))
        self.accept()

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        if self._from_keyring:
            self._from_keyring = False
            if self.vault.state is VaultState.LOCKED:
                self.remember.setChecked(True)
                self._ask("The passphrase saved in the keyring no longer unlocks this vault; "
                          "enter the current one (it replaces the saved one).")
                return
        self.message.setText(message)
        self._ask("")
        self.passphrase.selectAll()

    def forgot(self) -> ResetPassphraseDialog:
        dialog = ResetPassphraseDialog(self.vault.name, self.vault.url,
                                       self.vault.storage_options, self.runner, self)
        dialog.passphraseReset.connect(self._was_reset)
        self.reset_dialog = dialog
        dialog.open()
        return dialog

    def _was_reset(self, passphrase: str) -> None:
        self.note.setText("The passphrase was reset; unlocking with the new one.")
        self.note.show()
        self.passphrase.setText(passphrase)
        self.start_unlock()

    def done(self, result: int) -> None:
        self.looking_up = False
        try:
            self.vault.stateChanged.disconnect(self._state_changed)
            self.vault.unlockFailed.disconnect(self._failed)
        except (RuntimeError, TypeError):  # already disconnected
            pass
        super().done(result)
