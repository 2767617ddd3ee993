"""The open-vault dialog: point at a location, and it opens when it holds a vault."""

from __future__ import annotations

from vaultui.gui.core.qt import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget, Signal
from vaultui.gui.core.worker import TaskRunner
from vaultui.gui.wizards.feedback import busy_bar, error_label
from vaultui.gui.wizards.storageform import StorageForm, inspect_job


class OpenVaultDialog(QDialog):
    """Point at a location; it opens when it is a vault, else says clearly what it is.

    Signals:
        opened(url: str, options: dict): the location holds a vault this app reads.
    """

    opened = Signal(str, object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("Open an existing vault")
        self.form = StorageForm()
        self.busy = busy_bar()
        self.message = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start_open)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Where is the vault? (the folder holding vault.cryptomator)"))
        layout.addWidget(self.form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 300)

    def start_open(self) -> None:
        choice, problem = self.form.choice()
        if choice is None:
            self.message.setText(problem)
            return
        self.message.clear()
        self.busy.show()
        self.open_button.setEnabled(False)

        def done(verdict: object) -> None:
            self.busy.hide()
            self.open_button.setEnabled(True)
            if verdict:
                self.message.setText(str(verdict))
                return
            self.opened.emit(choice.url, choice.options)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.busy.hide()
            self.open_button.setEnabled(True)
            self.message.setText(f"Could not read the location: {exc or type(exc).__name__}")

        self.runner.run(inspect_job(choice), on_success=done, on_failure=failed)
