"""The questions about edits not in the vault yet: before a lock or a quit, after a crash."""

from __future__ import annotations

import enum

from vaultui.gui.qt import QMessageBox, QWidget
from vaultui.gui.questions import Answer, ask_three


class UnsavedChoice(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def _listing(names: list[str], shown: int = 8) -> str:
    lines = [f"• {name}" for name in names[:shown]]
    if len(names) > shown:
        lines.append(f"… and {len(names) - shown} more")
    return "\n".join(lines)


_CHOICES = {Answer.GO_ON: UnsavedChoice.SAVE, Answer.DESTRUCTIVE: UnsavedChoice.DISCARD,
            Answer.BACK: UnsavedChoice.CANCEL}


def _ask(box: QMessageBox, save: str, discard: str, cancel: str) -> UnsavedChoice:
    return _CHOICES[ask_three(box, save, discard, cancel)]


def unsaved_box(action: str, names: list[str], parent: QWidget | None = None) -> QMessageBox:
    """The question before locking ("lock") or quitting ("quit") with unsaved edits."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Edits not saved in the vault")
    count = len(names)
    box.setText(f"{count} opened file{'s' * (count != 1)} ha{'ve' if count != 1 else 's'} "
                "changes that are not in the vault yet:\n" + _listing(names))
    box.setInformativeText(f"Save them in the vault before you {action}? Discarding "
                           "deletes the edited copies.")
    return box


def ask_unsaved(action: str, names: list[str], parent: QWidget | None = None
                ) -> UnsavedChoice:
    return _ask(unsaved_box(action, names, parent), f"Save and {action}",
                f"Discard and {action}", "Cancel")


def ask_orphans(names: list[str], parent: QWidget | None = None) -> UnsavedChoice:
    """After an unlock: save the edits an earlier session left for this vault?"""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Edits from an earlier session")
    count = len(names)
    box.setText(f"{count} file{'s' * (count != 1)} you edited in an earlier session, which "
                "ended before saving them in this vault, "
                f"{'were' if count != 1 else 'was'} kept:\n" + _listing(names))
    box.setInformativeText("Save them in the vault now? If the vault's file changed "
                           "since, your version is saved beside it.")
    return _ask(box, "Save in vault", "Discard", "Later")
