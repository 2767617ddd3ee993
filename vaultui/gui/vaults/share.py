"""Vault ▸ Share…: the vault's key slots, add a person's public key, remove a slot.

The work is vaultui.tasks.sharing's (the same as `vaultui-cli share`); this dialog lists,
asks and runs it on a worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.rotation import RotateKey
from vaultui.tasks.sharing import SharedSlot, share_with, share_with_kms, shares, unshare

EXPLANATION = (
    "Each person here opens the vault with their own key (an SSH or age key they already "
    "have, or an RSA key), without the passphrase. The vault still opens with the "
    "passphrase, in Cryptomator too.\n\nRemoving someone only stops new unlocks: whoever "
    "opened the vault once may have kept its key. To stop sharing for real, remove them "
    "and rotate the key (Rotate key… below).")
NOT_REVOKED = ("Removing this slot does not revoke the key: they may have kept it. Rotate "
               "the key afterwards to stop sharing for real.")
ROTATE_EXPLANATION = (
    "Rotating makes a new vault key and re-encrypts every file into it; afterwards the old "
    "key opens nothing, so people you removed cannot read the vault any more, even if they "
    "kept the key. It takes about as long as downloading and uploading everything. If it is "
    "interrupted, rotate again: it carries on. Nobody should change the vault meanwhile.")
KINDS = {"age": "age key", "age-ssh-ed25519": "SSH key (ed25519)",
         "age-ssh-rsa": "SSH key (RSA)", "rsa-oaep-sha256": "RSA key", "aws-kms": "AWS KMS"}


class AddPersonDialog(QDialog):
    """Paste a public key (or pick a .pub file), a label, and the vault's passphrase."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add person")
        self.key = QPlainTextEdit()
        self.key.setPlaceholderText("age1…, ssh-ed25519 AAAA…, ssh-rsa AAAA… or "
                                    "-----BEGIN PUBLIC KEY-----")
        self.label = QLineEdit()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        pick = QPushButton("Choose a .pub file…")
        pick.clicked.connect(self._pick)
        form = QFormLayout()
        form.addRow("Public key", self.key)
        form.addRow("", pick)
        form.addRow("Label", self.label)
        form.addRow("Vault passphrase", self.passphrase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Public key", str(Path.home() / ".ssh"),
                                              "Public keys (*.pub *.pem);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        text = Path(path).read_text("utf-8", "replace")[:64 * 1024]
        self.key.setPlainText(text)
        if not self.label.text():
            parts = text.split()
            self.label.setText(parts[2] if text.startswith("ssh-") and len(parts) > 2
                               else Path(path).stem)


class ShareDialog(QDialog):
    """The slots of one vault, with Add person… and Remove.

    Signals:
        changed(message: str): slots were listed, added or removed; what happened.
        failed(message: str): an action failed; why.
    """

    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, url: str, options: dict[str, Any], runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share vault")
        self._location = VaultLocation.from_url(url, dict(options))
        self._runner = runner
        self._slots: list[SharedSlot] = []
        note = QLabel(EXPLANATION)
        note.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Label", "Kind", "Fingerprint", "Added"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.add_button = QPushButton("Add person…")
        self.add_button.clicked.connect(self._ask_person)
        self.kms_button = QPushButton("Add cloud KMS…")
        self.kms_button.clicked.connect(self._ask_kms)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.rotate_button = QPushButton("Rotate key…")
        self.rotate_button.clicked.connect(self._ask_rotate)
        row = QHBoxLayout()
        for button in (self.add_button, self.kms_button, self.remove_button,
                       self.rotate_button):
            row.addWidget(button)
        row.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(720, 420)

    def refresh(self) -> None:
        location = self._location
        self._runner.run(lambda ctx: shares(location), on_success=self._listed,
                         on_failure=self._failure)

    def _listed(self, listed: list[SharedSlot], message: str = "") -> None:
        self._slots = listed
        self.table.setRowCount(len(listed))
        for row, shared in enumerate(listed):
            slot = shared.slot
            cells = ([slot.label, KINDS.get(slot.kind, slot.kind), slot.fingerprint,
                      slot.created.replace("T", " ").rstrip("Z")] if slot is not None
                     else [shared.name, "damaged", shared.problem or "", ""])
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        text = message or (f"{len(listed)} people or services can open this vault." if listed
                           else "Only the passphrase and the recovery key open this vault.")
        self.status.setText(text)
        self.changed.emit(text)

    def _failure(self, exc: BaseException) -> None:
        text = str(exc) or type(exc).__name__
        self.status.setText(text)
        self.failed.emit(text)

    def _ask_person(self) -> None:
        dialog = AddPersonDialog(self)
        dialog.accepted.connect(lambda: self.add_person(
            dialog.key.toPlainText(), dialog.label.text(), dialog.passphrase.text()))
        dialog.open()

    def add_person(self, public: str, label: str, passphrase: str) -> None:
        location = self._location

        def job(ctx: JobContext) -> tuple[list[SharedSlot], str]:
            recipient = Recipient.parse(public)
            key, _ = location.unlock(passphrase)
            added = share_with(location, key, recipient, label.strip() or recipient.fingerprint)
            return shares(location), f"Added {added.slot.label if added.slot else ''}."

        self._runner.run(job, on_success=lambda r: self._listed(*r), on_failure=self._failure)

    def _passphrase(self, title: str, text: str) -> str | None:
        answer, ok = QInputDialog.getText(self, title, text, QLineEdit.EchoMode.Password)
        return answer if ok and answer else None

    def _ask_kms(self) -> None:
        key_id, ok = QInputDialog.getText(
            self, "Add cloud KMS", "AWS KMS key id, ARN or alias (anyone whose AWS identity "
            "may use it can then open the vault):")
        if not ok or not key_id.strip():
            return
        passphrase = self._passphrase("Add cloud KMS", "The vault's passphrase:")
        if passphrase is not None:
            self.add_kms(key_id.strip(), passphrase)

    def add_kms(self, key_id: str, passphrase: str) -> None:
        location = self._location

        def job(ctx: JobContext) -> tuple[list[SharedSlot], str]:
            key, _ = location.unlock(passphrase)
            added = share_with_kms(location, key, key_id, None)
            return shares(location), f"Added {added.slot.label if added.slot else key_id}."

        self._runner.run(job, on_success=lambda r: self._listed(*r), on_failure=self._failure)

    def _ask_rotate(self) -> None:
        passphrase = self._passphrase("Rotate key", ROTATE_EXPLANATION
                                      + "\n\nThe vault's passphrase:")
        if passphrase is not None:
            self.rotate(passphrase)

    def rotate(self, passphrase: str) -> None:
        """Re-encrypt the vault under a new key (resumable), showing progress here."""
        location = self._location
        self.rotate_button.setEnabled(False)
        self.status.setText("Rotating the key…")

        def job(ctx: JobContext) -> tuple[list[SharedSlot], str]:
            result = RotateKey(location, passphrase, cancel=ctx.cancelled,
                               progress=lambda p: ctx.progress(p.bytes_done, p.bytes_total)
                               ).run()
            return shares(location), (
                f"The key was rotated: {result.files} files re-encrypted, "
                f"{len(result.slots)} key slots rewrapped. Tell the people here that the "
                "key changed: vaultui asks them to confirm it.")

        def progressed(done: int, total: int) -> None:
            if total:
                self.status.setText(f"Rotating the key… {100 * done // total} %")

        def ended(result: object) -> None:
            self.rotate_button.setEnabled(True)
            assert isinstance(result, tuple)
            self._listed(*result)

        def failed(exc: BaseException) -> None:
            self.rotate_button.setEnabled(True)
            self._failure(exc)

        self._runner.run(job, on_success=ended, on_failure=failed, on_progress=progressed)

    def remove_selected(self, confirm: bool = True) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows:
            return
        shared = self._slots[min(rows)]
        name = shared.slot.label if shared.slot else shared.name
        if confirm and QMessageBox.question(
                self, "Remove from the vault", f"Remove {name}?\n\n{NOT_REVOKED}",
        ) != QMessageBox.StandardButton.Yes:
            return
        location = self._location

        def job(ctx: JobContext) -> tuple[list[SharedSlot], str]:
            unshare(location, shared.name)
            return shares(location), f"Removed {name}. {NOT_REVOKED}"

        self._runner.run(job, on_success=lambda r: self._listed(*r), on_failure=self._failure)
