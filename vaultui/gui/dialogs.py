"""The minimal create-vault dialog; unlocking lives in unlock.py (re-exported here)."""

from __future__ import annotations

import os

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.gui.vaults.unlock import UnlockDialog
from vaultui.gui.wizards.passwords import passphrase_problem

__all__ = ["CreateVaultDialog", "UnlockDialog"]


def _busy_bar() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 0)  # indeterminate: scrypt gives no progress
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    bar.hide()
    return bar


class CreateVaultDialog(QDialog):
    """A new vault in a local folder: folder + passphrase twice (min 8 characters).

    Signals:
        created(url: str, passphrase: str): the vault was written.
    """

    created = Signal(str, str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None,
                 folder: str = "") -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("Create a vault")
        self.folder = QLineEdit(folder)
        self.folder.setPlaceholderText("A new or empty folder")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")
        self.busy = _busy_bar()
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Confirm", self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start_create)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new vault")
        if folder:
            self.folder.setText(folder)

    def problem(self) -> str:
        folder = self.folder.text().strip()
        if not folder:
            return "Choose a folder for the vault."
        if os.path.isdir(folder) and os.listdir(folder):
            return "The folder is not empty; choose a new or empty folder."
        if os.path.exists(folder) and not os.path.isdir(folder):
            return "That path is a file, not a folder."
        return passphrase_problem(self.passphrase.text(), self.confirm.text())

    def start_create(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        folder = os.path.abspath(self.folder.text().strip())
        passphrase = self.passphrase.text()
        self.message.clear()
        self.busy.show()
        self.create_button.setEnabled(False)

        def job(ctx: JobContext) -> str:
            os.makedirs(folder, exist_ok=True)
            VaultLocation.from_url(folder).create(passphrase)
            return folder

        def done(url: object) -> None:
            self.busy.hide()
            self.created.emit(str(url), passphrase)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.busy.hide()
            self.create_button.setEnabled(True)
            self.message.setText(f"Could not create the vault: {exc}")

        self.runner.run(job, on_success=done, on_failure=failed)
