"""Vault ▸ Clean up leftovers: list what interrupted writes left, confirm, remove it.

The finding and removing is vaultui.tasks.clean's (the same as `vaultui-cli clean`);
this module only runs it on a worker and asks before anything is removed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vaultui.fs.vault import VaultLocation
from vaultui.gui.qt import QMessageBox, QObject, QWidget, Signal
from vaultui.gui.worker import CancelledError, JobContext, TaskRunner
from vaultui.tasks.clean import CleanResult, CleanVault, Leftover

#: Leftovers listed in the confirmation itself; all of them are in its details.
SHOWN = 12


class CleanupFlow(QObject):
    """Finds a vault's leftovers older than a day on a worker, asks, then removes them.

    `dialog` is the message box on screen (the confirmation, then the outcome).

    Signals:
        finished(message: str): the flow ended; what it did, for the status bar.
    """

    finished = Signal(str)

    def __init__(self, url: str, options: dict[str, Any], runner: TaskRunner,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._url = url
        self._options = dict(options)
        self._runner = runner
        self._parent = parent
        self._job: CleanVault | None = None
        self.dialog: QMessageBox | None = None

    def start(self) -> None:
        self._runner.run(self._find, on_success=self._found, on_failure=self._failed)

    def _find(self, ctx: JobContext) -> list[Leftover]:
        self._job = CleanVault(VaultLocation.from_url(self._url, self._options),
                               cancel=ctx.cancelled)
        return self._job.prepare()

    def _found(self, items: list[Leftover]) -> None:
        if not items:
            self._show(QMessageBox.Icon.Information, "Nothing to clean up",
                       "No leftovers of interrupted writes older than a day.")
            return
        now = datetime.now(UTC)
        lines = [item.describe(now) for item in items]
        box = QMessageBox(self._parent)
        box.setWindowTitle("Clean up leftovers")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(f"Remove {len(items)} leftovers of interrupted writes from this vault's "
                    "storage? They are not vault items; nothing in the vault changes.")
        more = f"\n… and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
        box.setInformativeText("\n".join(lines[:SHOWN]) + more)
        box.setDetailedText("\n".join(lines))
        self.remove_button = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _code: self._answered(box, items))
        self.dialog = box
        box.open()

    def _answered(self, box: QMessageBox, items: list[Leftover]) -> None:
        job = self._job
        if box.clickedButton() is not self.remove_button or job is None:
            self.finished.emit("Nothing was removed.")
            return
        self._runner.run(lambda ctx: job.run(items), on_success=self._removed,
                         on_failure=self._failed)

    def _removed(self, result: CleanResult) -> None:
        text = f"Removed {len(result.removed)} leftovers of interrupted writes."
        if result.failed:
            reasons = "\n".join(f"{item.path}: {why}" for item, why in result.failed)
            self._show(QMessageBox.Icon.Warning, "Clean up leftovers",
                       f"{text} {len(result.failed)} could not be removed:\n{reasons}")
        else:
            self._show(QMessageBox.Icon.Information, "Clean up leftovers", text)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, CancelledError):
            self.finished.emit("Clean-up cancelled.")
            return
        self._show(QMessageBox.Icon.Warning, "Clean up leftovers",
                   f"The vault's storage could not be cleaned up: {error}")

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent)
        box.finished.connect(lambda _code: self.finished.emit(text))
        self.dialog = box
        box.open()
