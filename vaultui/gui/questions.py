"""A question with three answers: go on (the default), the destructive one, and back (Escape)."""

from __future__ import annotations

import enum

from vaultui.gui.qt import QMessageBox


class Answer(enum.Enum):
    GO_ON = "go on"
    DESTRUCTIVE = "destructive"
    BACK = "back"


def ask_three(box: QMessageBox, go_on: str, destructive: str, back: str) -> Answer:
    """Add the three buttons to `box`, show it modally, and say which was chosen (closing
    the box is going back)."""
    go_on_button = box.addButton(go_on, QMessageBox.ButtonRole.AcceptRole)
    destructive_button = box.addButton(destructive, QMessageBox.ButtonRole.DestructiveRole)
    back_button = box.addButton(back, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(go_on_button)
    box.setEscapeButton(back_button)
    box.exec()
    clicked = box.clickedButton()
    if clicked is go_on_button:
        return Answer.GO_ON
    return Answer.DESTRUCTIVE if clicked is destructive_button else Answer.BACK
