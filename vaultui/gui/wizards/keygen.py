"""The key-generation wizard: a random or passphrase-derived key, or an age identity."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vaultui.crypto.keygen import derive_key, key_to_text, key_to_words, new_salt, random_key
from vaultui.crypto.keys import Masterkey
from vaultui.gui.core.clipboard import SecretClipboard
from vaultui.gui.core.qt import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.secrets.identities import AGE_IDENTITY_ITEM, AgeIdentity
from vaultui.secrets.keychain import Keychain


def keygen_job(passphrase: str | None, salt: str, cost: int | None) -> Any:
    def job(ctx: JobContext) -> Masterkey:
        if passphrase is None:
            return random_key()
        return derive_key(passphrase, salt, cost) if cost else derive_key(passphrase, salt)
    return job


def age_identity_job(keychain: Keychain) -> Any:
    """The public key of the age identity in the keyring, made and stored if there is none.

    An existing identity is never replaced: vaults are shared with it.
    """
    def job(ctx: JobContext) -> tuple[str, bool]:
        found = keychain.get(AGE_IDENTITY_ITEM)
        if found.problem:
            raise RuntimeError(found.problem)
        if found.secret is not None:
            return AgeIdentity(found.secret).recipient, False
        identity, secret = AgeIdentity.generate()
        problem = keychain.set(AGE_IDENTITY_ITEM, secret)
        if problem:
            raise RuntimeError(problem)
        return identity.recipient, True
    return job


def default_key_name() -> str:
    """A keyring name for a new key that no earlier default name took (to the second)."""
    return time.strftime("generated-key-%Y%m%d-%H%M%S")


@dataclass(frozen=True)
class Stored:
    """What storing a key in the keyring did: `taken` when another key is filed under the
    name already (it was left alone), else `problem` ("" when stored)."""

    taken: bool = False
    problem: str = ""


def store_job(keychain: Keychain, name: str, text: str, replace: bool) -> Any:
    """File the key as ``key:<name>``; unless `replace`, never over a key stored there.

    A random key cannot be made again: overwriting the only copy loses it for good.
    """
    def job(ctx: JobContext) -> Stored:
        if not replace:
            found = keychain.get(f"key:{name}")
            if found.problem:
                return Stored(problem=found.problem)
            if found.secret is not None:
                return Stored(taken=True)
        return Stored(problem=keychain.set(f"key:{name}", text))
    return job


def export_key(path: str, text: str) -> None:
    """Write the key to a file only this user can read (0600), created fresh."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: set it
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")


class MethodPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("How should the key be made?")
        self.random = QRadioButton("A random key (keep it safe: it cannot be made again)")
        self.derived = QRadioButton("From a passphrase and a salt, through scrypt "
                                    "(the same pair always gives the same key)")
        self.age = QRadioButton("An age identity for shared vaults (its secret stays in the "
                                "keyring; you hand out its public key)")
        self.random.setChecked(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.salt = QLineEdit(new_salt())
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Salt", self.salt)
        self.fields = QWidget()
        self.fields.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.random)
        layout.addWidget(self.derived)
        layout.addWidget(self.fields)
        layout.addWidget(self.age)
        self.derived.toggled.connect(self._toggle)
        self.passphrase.textChanged.connect(self.completeChanged)
        self.salt.textChanged.connect(self.completeChanged)
        self._toggle()

    def _toggle(self) -> None:
        self.fields.setEnabled(self.derived.isChecked())
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return (self.random.isChecked() or self.age.isChecked()
                or bool(self.passphrase.text() and self.salt.text()))


class KeyPage(QWizardPage):
    def __init__(self, wizard: KeyGenWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Your key")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.text = QLineEdit()
        self.text.setReadOnly(True)
        self.words = QPlainTextEdit()
        self.words.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        self.copy_words_button = QPushButton("Copy words")
        self.keyring_name = QLineEdit()
        self.keyring_name.setObjectName("keyringName")
        self.keyring_button = QPushButton("Store in keyring")
        self.export_button = QPushButton("Export to file…")
        self.status = QLabel()
        self.status.setObjectName("keyStatus")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("base64url", self.text)
        form.addRow("Recovery words", self.words)
        row = QHBoxLayout()
        for b in (self.copy_button, self.copy_words_button, self.export_button):
            row.addWidget(b)
        keyring_row = QHBoxLayout()
        keyring_row.addWidget(QLabel("Keyring name"))
        keyring_row.addWidget(self.keyring_name, 1)
        keyring_row.addWidget(self.keyring_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addLayout(keyring_row)
        layout.addWidget(self.status)
        self.copy_button.clicked.connect(lambda: self._copy(self.text.text()))
        self.copy_words_button.clicked.connect(lambda: self._copy(self.words.toPlainText()))
        self.keyring_button.clicked.connect(lambda: wizard.store())
        self.export_button.clicked.connect(lambda: wizard.export())
        self.ready = False

    def _copy(self, text: str) -> None:
        self._wizard.clipboard.copy(text)
        self.status.setText("Copied; the clipboard is cleared in 30 seconds.")

    def initializePage(self) -> None:  # noqa: N802
        self.ready = False
        self.keyring_name.setText(default_key_name())
        self.status.clear()
        self.busy.show()
        self._wizard.generate()

    def isComplete(self) -> bool:  # noqa: N802
        return self.ready


class KeyGenWizard(QWizard):
    """Tools → Generate key: random or scrypt-derived 64-byte keys (see keygen.py)."""

    def __init__(self, runner: TaskRunner, keychain: Keychain, parent: QWidget | None = None,
                 derive_cost: int | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.keychain = keychain
        self.derive_cost = derive_cost
        self.clipboard = SecretClipboard(self)
        #: asked before a stored key is replaced: (keyring name) -> replace it?
        self.confirm_replace: Callable[[str], bool] = self._confirm_replace_dialog
        self.setWindowTitle("Generate a key")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.method_page = MethodPage()
        self.key_page = KeyPage(self)
        self.addPage(self.method_page)
        self.addPage(self.key_page)
        self.resize(640, 440)

    def generate(self) -> None:
        page = self.method_page
        if page.age.isChecked():
            self._generate_age()
            return
        for widget in (self.key_page.keyring_button, self.key_page.export_button,
                       self.key_page.copy_words_button):
            widget.setEnabled(True)
        passphrase = page.passphrase.text() if page.derived.isChecked() else None

        def done(key: object) -> None:
            assert isinstance(key, Masterkey)
            self.key_page.busy.hide()
            self.key_page.text.setText(key_to_text(key))
            self.key_page.words.setPlainText(key_to_words(key))
            self.key_page.ready = True
            self.key_page.completeChanged.emit()

        def failed(exc: BaseException) -> None:
            self.key_page.busy.hide()
            self.key_page.status.setText(f"No key: {exc}")

        self.runner.run(keygen_job(passphrase, page.salt.text(), self.derive_cost),
                        on_success=done, on_failure=failed)

    def _generate_age(self) -> None:
        page = self.key_page
        for widget in (page.keyring_button, page.export_button, page.copy_words_button):
            widget.setEnabled(False)  # the secret stays in the keyring, nowhere else

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            recipient, created = result
            page.busy.hide()
            page.text.setText(recipient)
            page.words.setPlainText(
                "This is your age public key. Give it to vault owners: they add it with "
                "Vault ▸ Share… (or `vaultui-cli share VAULT add --age …`), and vaultui then "
                "opens those vaults with the identity in your keyring.")
            page.status.setText("A new age identity is in the keyring." if created else
                                "Your age identity was already in the keyring; it is kept.")
            page.ready = True
            page.completeChanged.emit()

        def failed(exc: BaseException) -> None:
            page.busy.hide()
            page.status.setText(f"No age identity: {exc}")

        self.runner.run(age_identity_job(self.keychain), on_success=done, on_failure=failed)

    def store(self, replace: bool = False) -> None:
        name, text = self.key_page.keyring_name.text().strip(), self.key_page.text.text()
        if not name:
            self.key_page.status.setText("Enter a name to file the key under.")
            return

        def stored(result: object) -> None:
            assert isinstance(result, Stored)
            if result.taken:
                if self.confirm_replace(name):
                    self.store(replace=True)
                else:
                    self.key_page.status.setText(
                        f"Not stored: a key is filed as key:{name} already; choose "
                        "another name.")
                return
            self.key_page.status.setText(f"Not stored: {result.problem}" if result.problem
                                         else f"Stored in the keyring as key:{name}.")

        self.runner.run(store_job(self.keychain, name, text, replace), on_success=stored)

    def _confirm_replace_dialog(self, name: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Replace the stored key?",
                          f"A key is already stored in the keyring as key:{name}.",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText("Replacing it deletes that key. If it was a random key, it "
                               "cannot be made again.")
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is replace

    def export(self, path: str | None = None) -> str:
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, "Export the key", "vaultui.key")
        if path:
            export_key(path, self.key_page.text.text())
            self.key_page.status.setText(f"Written to {path} (readable only by you).")
        return path or ""

    def done(self, result: int) -> None:
        self.key_page.text.clear()
        self.key_page.words.clear()
        self.method_page.passphrase.clear()
        super().done(result)
