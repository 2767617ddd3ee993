"""The create-vault wizard: where, name, passphrase, recovery key."""

from __future__ import annotations

from typing import Any

from vaultui.crypto.constants import DEFAULT_SCRYPT_COST
from vaultui.crypto.recovery import encode_recovery_key
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QCheckBox,
    QFont,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.gui.wizards.feedback import busy_bar, error_label
from vaultui.gui.wizards.passwords import PassphrasePair
from vaultui.gui.wizards.storageform import StorageChoice, StorageForm, connection_job
from vaultui.secrets.keychain import Keychain

#: Characters a vault (folder) name may not hold on any common storage.
BAD_NAME_CHARS = set('/\\:*?"<>|')


def name_problem(name: str) -> str:
    name = name.strip()
    if not name:
        return "Enter a name for the vault."
    if name in (".", "..") or any(c in BAD_NAME_CHARS or ord(c) < 32 for c in name):
        return 'A vault name cannot hold / \\ : * ? " < > | or control characters.'
    if len(name) > 100:
        return "The name is too long (at most 100 characters)."
    return ""


def create_job(choice: StorageChoice, passphrase: str, scrypt_cost: int | None,
               keychain: Keychain | None) -> Any:
    """Create the vault; remember the passphrase and the storage settings when asked.

    Returns (recovery words, keyring problem or "")."""
    def job(ctx: JobContext) -> tuple[str, str]:
        loc = VaultLocation.from_url(choice.url, choice.options)
        if loc.fs.exists(loc.root) and loc.fs.ls(loc.root, detail=False):
            raise FileExistsError(f"{choice.url} exists and is not empty")
        loc.fs.makedirs(loc.root, exist_ok=True)
        key = loc.create(passphrase, scrypt_cost=scrypt_cost or DEFAULT_SCRYPT_COST)
        problem = ""
        if keychain is not None:
            problem = keychain.set(loc.vault_id(), passphrase)
        return encode_recovery_key(key), problem
    return job


class LocationPage(QWizardPage):
    """Where: storage kind and settings; a remote one must pass "Test connection" first."""

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self.runner = runner
        self.setTitle("Where should the vault be?")
        self.setSubTitle("The vault is a folder of encrypted files; it can be on this "
                         "computer or on any storage fsspec reaches.")
        self.form = StorageForm()
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.busy = busy_bar()
        self.tested: StorageChoice | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        self.form.changed.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        self.tested = None
        choice, problem = self.form.choice()
        self.test_button.setVisible(choice is None or choice.remote
                                    or self.form.current_kind() != "local")
        self.status.setStyleSheet("color: #c0392b" if problem else "")
        self.status.setText(problem)
        self.completeChanged.emit()

    def test_connection(self) -> None:
        choice, problem = self.form.choice()
        if choice is None:
            self.status.setText(problem)
            return
        self.busy.show()
        self.test_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText("Connecting…")

        def done(message: object) -> None:
            self.busy.hide()
            self.test_button.setEnabled(True)
            self.tested = choice
            self.status.setText(str(message))
            self.completeChanged.emit()

        def failed(exc: BaseException) -> None:
            self.busy.hide()
            self.test_button.setEnabled(True)
            self.status.setStyleSheet("color: #c0392b")
            self.status.setText(f"Could not connect: {exc or type(exc).__name__}")

        self.runner.run(connection_job(choice), on_success=done, on_failure=failed)

    def isComplete(self) -> bool:  # noqa: N802
        choice, _problem = self.form.choice()
        if choice is None:
            return False
        return self.form.current_kind() == "local" or self.tested == choice

    def choice(self) -> StorageChoice:
        choice, _ = self.form.choice()
        assert choice is not None
        return choice


class NamePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Name the vault")
        self.setSubTitle("The name becomes the vault's folder inside the location.")
        self.name = QLineEdit("My vault")
        self.problem = error_label()
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow(self.problem)
        self.name.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.problem.setText(name_problem(self.name.text()))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return not name_problem(self.name.text())


class PassphrasePage(QWizardPage):
    """Passphrase twice with the strength meter; the vault is written when leaving it."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Choose a passphrase")
        self.setSubTitle("Nobody can open the vault without it, not even with access to the "
                         "storage. A long sentence is easy to remember and hard to guess.")
        self.pair = PassphrasePair(label="Passphrase")
        self.remember = QCheckBox("Remember the passphrase in the OS keyring")
        self.problem = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.pair)
        layout.addWidget(self.remember)
        layout.addWidget(self.problem)
        self.pair.changed.connect(self._changed)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create vault")

    def _changed(self) -> None:
        first = self.pair.first.text()
        self.problem.setText(self.pair.problem() if first else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.pair.problem()


class RecoveryPage(QWizardPage):
    """Writes the vault (in a worker), then shows the recovery key until it is written down."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Your recovery key")
        self.setSubTitle("If you forget the passphrase, these 44 words are the only way back "
                         "into the vault. Write them down and keep them somewhere safe.")
        self.words = QPlainTextEdit()
        self.words.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.words.setFont(font)
        self.confirm = QCheckBox("I have written down the recovery key")
        self.confirm.toggled.connect(self.completeChanged)
        self.busy = busy_bar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.words)
        layout.addWidget(self.confirm)
        self.created = False
        self.error = ""

    def initializePage(self) -> None:  # noqa: N802
        self._wizard.start_create(self)

    def show_created(self, words: str, keyring_problem: str) -> None:
        self.busy.hide()
        self.created = True
        self.words.setPlainText(words)
        self.status.setStyleSheet("")
        self.status.setText("The vault was created and added to your vaults." + (
            f" The passphrase was not saved in the keyring: {keyring_problem}"
            if keyring_problem else ""))
        # Nothing is undone from here on: "Cancel" would suggest otherwise.
        self._wizard.setButtonText(QWizard.WizardButton.CancelButton, "Close")
        self.completeChanged.emit()

    def show_failed(self, message: str) -> None:
        self.busy.hide()
        self.error = message
        self.status.setStyleSheet("color: #c0392b")
        self.status.setText(message)

    def isComplete(self) -> bool:  # noqa: N802
        return self.created and self.confirm.isChecked()


class CreateVaultWizard(QWizard):
    """Create a vault: where, name, passphrase, recovery key.

    Signals:
        created(url: str, options: dict, passphrase: str): the vault exists; options hold
            the storage credentials (the caller files them in the keyring).
    """

    created = Signal(str, object, str)

    def __init__(self, runner: TaskRunner, keychain: Keychain,
                 parent: QWidget | None = None, scrypt_cost: int | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.keychain = keychain
        self.scrypt_cost = scrypt_cost
        self.setWindowTitle("Create a vault")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.location_page = LocationPage(runner)
        self.name_page = NamePage()
        self.passphrase_page = PassphrasePage()
        self.recovery_page = RecoveryPage(self)
        for page in (self.location_page, self.name_page, self.passphrase_page,
                     self.recovery_page):
            self.addPage(page)
        self.target: StorageChoice | None = None
        self.resize(620, 480)

    def start_create(self, page: RecoveryPage) -> None:
        target = self.location_page.choice().child(self.name_page.name.text().strip())
        self.target = target
        passphrase = self.passphrase_page.pair.passphrase()
        keychain = self.keychain if self.passphrase_page.remember.isChecked() else None
        page.busy.show()
        page.status.setText("Creating the vault…")

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            words, problem = result
            page.show_created(str(words), str(problem))
            self.created.emit(target.url, target.options, passphrase)

        def failed(exc: BaseException) -> None:
            page.show_failed(f"The vault could not be created: {exc or type(exc).__name__}")

        self.runner.run(create_job(target, passphrase, self.scrypt_cost, keychain),
                        on_success=done, on_failure=failed)

    def reject(self) -> None:
        """Close, Escape or the window's close button; asks first while the words are unsaved."""
        page = self.recovery_page
        if page.created and not page.confirm.isChecked():
            answer = QMessageBox.question(
                self, "Close without the recovery key?",
                "The vault was created and stays in your vaults. If you close now without "
                "writing down the recovery key, a forgotten passphrase means its files are "
                "lost. You can show the key again later from Vault options (with the "
                "passphrase).\n\nClose anyway?",
                QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Close:
                return
        super().reject()

    def done(self, result: int) -> None:
        self.passphrase_page.pair.clear()
        self.recovery_page.words.clear()
        super().done(result)
