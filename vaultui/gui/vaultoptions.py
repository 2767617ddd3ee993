"""Vault options: change passphrase, show the recovery key, forget the saved passphrase,
auto-lock minutes."""

from __future__ import annotations

from typing import Any

from vaultui.crypto.errors import AuthenticationError
from vaultui.crypto.recovery import encode_recovery_key
from vaultui.fs.vault import VaultLocation
from vaultui.gui.keychain import Keychain, passphrase_key
from vaultui.gui.passwords import PassphrasePair
from vaultui.gui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.vaults import Vault
from vaultui.gui.worker import JobContext, TaskRunner


def change_job(url: str, options: dict[str, Any], keychain: Keychain, old: str,
               new: str) -> Any:
    """Re-wrap the key; a passphrase saved in the keyring is replaced, not left stale."""
    def job(ctx: JobContext) -> str:
        loc = VaultLocation.from_url(url, options)
        loc.change_passphrase(old, new)
        key = passphrase_key(loc)
        if keychain.get(key).secret is not None:
            return keychain.set(key, new)
        return ""
    return job


def recovery_job(url: str, options: dict[str, Any], passphrase: str) -> Any:
    def job(ctx: JobContext) -> str:
        key, _config = VaultLocation.from_url(url, options).unlock(passphrase)
        return encode_recovery_key(key)
    return job


def forget_job(url: str, options: dict[str, Any], keychain: Keychain) -> Any:
    def job(ctx: JobContext) -> str:
        return keychain.delete(passphrase_key(VaultLocation.from_url(url, options)))
    return job


def _describe(exc: BaseException) -> str:
    if isinstance(exc, AuthenticationError):
        return "Wrong passphrase."
    return str(exc) or type(exc).__name__


class VaultOptionsDialog(QDialog):
    """Options of one vault and the app-wide auto-lock time.

    Signals:
        autolockChanged(minutes: int)
        driveOnUnlockChanged(reveal: bool): whether this vault opens as a drive on unlock
    """

    autolockChanged = Signal(int)  # noqa: N815
    driveOnUnlockChanged = Signal(bool)  # noqa: N815

    def __init__(self, vault: Vault, keychain: Keychain, runner: TaskRunner,
                 autolock_minutes: int = 0, parent: QWidget | None = None, *,
                 drive_on_unlock: bool = False) -> None:
        super().__init__(parent)
        self.vault = vault
        self.keychain = keychain
        self.runner = runner
        self.setWindowTitle(f"Options of {vault.name}")
        tabs = QTabWidget()

        # Passphrase tab
        pw = QWidget()
        self.old = QLineEdit()
        self.old.setEchoMode(QLineEdit.EchoMode.Password)
        self.pair = PassphrasePair()
        self.change_button = QPushButton("Change passphrase")
        self.change_button.clicked.connect(self.change_passphrase)
        self.forget_button = QPushButton("Forget the saved passphrase")
        self.forget_button.clicked.connect(self.forget)
        self.pw_message = QLabel()
        self.pw_message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Current passphrase", self.old)
        lay = QVBoxLayout(pw)
        lay.addLayout(form)
        lay.addWidget(self.pair)
        lay.addWidget(self.change_button)
        lay.addWidget(self.forget_button)
        lay.addWidget(self.pw_message)
        lay.addStretch(1)
        tabs.addTab(pw, "Passphrase")

        # Recovery key tab
        rk = QWidget()
        self.rk_passphrase = QLineEdit()
        self.rk_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.rk_passphrase.setPlaceholderText("Passphrase")
        self.show_button = QPushButton("Show recovery key")
        self.show_button.clicked.connect(self.show_recovery_key)
        self.words = QPlainTextEdit()
        self.words.setReadOnly(True)
        self.rk_message = QLabel()
        lay = QVBoxLayout(rk)
        lay.addWidget(QLabel("Enter the passphrase to see the vault's recovery key."))
        lay.addWidget(self.rk_passphrase)
        lay.addWidget(self.show_button)
        lay.addWidget(self.rk_message)
        lay.addWidget(self.words)
        tabs.addTab(rk, "Recovery key")

        # Auto-lock tab
        al = QWidget()
        self.autolock = QSpinBox()
        self.autolock.setRange(0, 24 * 60)
        self.autolock.setSuffix(" min")
        self.autolock.setSpecialValueText("Never")
        self.autolock.setValue(autolock_minutes)
        form = QFormLayout(al)
        form.addRow("Lock all vaults after idle", self.autolock)
        form.addRow(QLabel("Vaults are always locked when vaultui quits. Locking drops the "
                           "keys, caches and decrypted temporary files."))
        tabs.addTab(al, "Locking")

        # Drive tab
        dr = QWidget()
        self.drive_on_unlock = QCheckBox("Reveal drive when unlocked")
        self.drive_on_unlock.setChecked(drive_on_unlock)
        lay = QVBoxLayout(dr)
        lay.addWidget(self.drive_on_unlock)
        lay.addWidget(QLabel("The unlocked vault is shown as a drive that every program can "
                             "use, and opened in the file manager. Locking unmounts it."))
        lay.addStretch(1)
        tabs.addTab(dr, "Drive")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.tabs = tabs
        self.resize(520, 420)

    def _say(self, label: QLabel, text: str, error: bool) -> None:
        label.setStyleSheet("color: #c0392b" if error else "")
        label.setText(text)

    def change_passphrase(self) -> None:
        problem = self.pair.problem() if self.old.text() else "Enter the current passphrase."
        if problem:
            self._say(self.pw_message, problem, True)
            return
        self.change_button.setEnabled(False)
        self._say(self.pw_message, "Changing…", False)

        def done(problem: object) -> None:
            self.change_button.setEnabled(True)
            self.old.clear()
            self.pair.clear()
            self._say(self.pw_message, "The passphrase was changed." + (
                f" The saved one could not be replaced: {problem}" if problem else ""), False)

        def failed(exc: BaseException) -> None:
            self.change_button.setEnabled(True)
            self._say(self.pw_message, _describe(exc), True)

        self.runner.run(change_job(self.vault.url, self.vault.storage_options, self.keychain,
                                   self.old.text(), self.pair.passphrase()),
                        on_success=done, on_failure=failed)

    def forget(self) -> None:
        def done(problem: object) -> None:
            self._say(self.pw_message, f"Not forgotten: {problem}" if problem
                      else "The saved passphrase was removed from the keyring.", bool(problem))

        self.runner.run(forget_job(self.vault.url, self.vault.storage_options, self.keychain),
                        on_success=done,
                        on_failure=lambda exc: self._say(self.pw_message, _describe(exc), True))

    def show_recovery_key(self) -> None:
        self.show_button.setEnabled(False)

        def done(words: object) -> None:
            self.show_button.setEnabled(True)
            self.rk_passphrase.clear()
            self.rk_message.clear()
            self.words.setPlainText(str(words))

        def failed(exc: BaseException) -> None:
            self.show_button.setEnabled(True)
            self._say(self.rk_message, _describe(exc), True)

        self.runner.run(recovery_job(self.vault.url, self.vault.storage_options,
                                     self.rk_passphrase.text()),
                        on_success=done, on_failure=failed)

    def done(self, result: int) -> None:
        self.words.clear()
        self.autolockChanged.emit(self.autolock.value())
        self.driveOnUnlockChanged.emit(self.drive_on_unlock.isChecked())
        super().done(result)
