"""The name clash question: replace, keep both or skip, optionally for every clash left."""

from __future__ import annotations

from vaultui.gui.core.qt import QCheckBox, QMessageBox, QWidget
from vaultui.tasks.naming import Clash


class ClashDialog(QMessageBox):
    """Asks what to do with one item whose name is taken; `choice()` has the answer.

    The "apply to all" box appears only when `more` further clashes follow this one.
    """

    def __init__(self, name: str, is_dir: bool, more: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        kind = "A folder" if is_dir else "An item"
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Name already in use")
        self.setText(f"{kind} named “{name}” already exists in this folder.")
        self.setInformativeText("Replace it, keep both, or skip this item?"
                                + (" Replacing a folder adds to what it holds." if is_dir
                                   else ""))
        self.replace_button = self.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        self.keep_both_button = self.addButton("Keep both", QMessageBox.ButtonRole.AcceptRole)
        self.skip_button = self.addButton("Skip", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_both_button)
        self.apply_all = QCheckBox(f"Do this for the other {more} clash"
                                   f"{'es' if more != 1 else ''}")
        if more:
            self.setCheckBox(self.apply_all)

    def choice(self) -> tuple[Clash, bool]:
        """The answer (skip if the dialog was closed) and whether it applies to all."""
        clicked = self.clickedButton()
        if clicked is self.replace_button:
            choice = Clash.REPLACE
        elif clicked is self.keep_both_button:
            choice = Clash.KEEP_BOTH
        else:
            choice = Clash.SKIP
        return choice, self.apply_all.isChecked() and self.checkBox() is not None


def ask_clash(name: str, is_dir: bool, more: int, parent: QWidget | None = None
              ) -> tuple[Clash, bool]:
    """Show a ClashDialog modally and return its answer."""
    dialog = ClashDialog(name, is_dir, more, parent)
    dialog.exec()
    return dialog.choice()
