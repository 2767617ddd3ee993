"""The questions about edits not in the vault: what they say, and what each button answers."""

from __future__ import annotations

import pytest

from vaultui.gui.editprompts import UnsavedChoice, ask_orphans, ask_unsaved
from vaultui.gui.qt import QApplication, QMessageBox, QTimer


def answer_with(text: str) -> list[str]:
    """Click the button labelled `text` of the message box once it is shown; the list gets
    the box's text."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == text).click()

    seen: list[str] = []
    QTimer.singleShot(0, click)
    return seen


@pytest.mark.parametrize(("button", "choice"), [
    ("Save and lock", UnsavedChoice.SAVE), ("Discard and lock", UnsavedChoice.DISCARD),
    ("Cancel", UnsavedChoice.CANCEL)])
def test_the_lock_question(qtbot, button: str, choice: UnsavedChoice) -> None:
    seen = answer_with(button)
    assert ask_unsaved("lock", ["notes/todo.txt", "b.txt"]) is choice
    text = seen[0]
    assert text.startswith("2 opened files have changes that are not in the vault yet")
    assert "notes/todo.txt" in text and "b.txt" in text


def test_the_question_after_a_crash_lists_at_most_eight(qtbot) -> None:
    seen = answer_with("Later")
    names = [f"f{n}.txt" for n in range(10)]
    assert ask_orphans(names) is UnsavedChoice.CANCEL
    text = seen[0]
    assert "f7.txt" in text and "f8.txt" not in text and "and 2 more" in text
