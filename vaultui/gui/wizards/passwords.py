"""A new passphrase typed twice, with a zxcvbn strength meter and the minimum length."""

from __future__ import annotations

from functools import cache
from typing import Any

from vaultui.crypto.constants import MIN_PASSPHRASE_LENGTH
from vaultui.gui.core.qt import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget, Signal

#: zxcvbn slows down on long input; Cryptomator also rates only the first 100 characters.
RATE_LIMIT = 100

STRENGTH_LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")
_STRENGTH_COLOURS = ("#c0392b", "#e67e22", "#d4ac0d", "#27ae60", "#1e8449")


@cache
def _zxcvbn() -> Any:
    from zxcvbn import zxcvbn

    return zxcvbn


def strength(passphrase: str) -> int:
    """zxcvbn's score 0-4; 0 for an empty passphrase."""
    if not passphrase:
        return 0
    return int(_zxcvbn()(passphrase[:RATE_LIMIT])["score"])


def passphrase_problem(passphrase: str, confirmation: str) -> str:
    """Why a new passphrase cannot be used, "" when it can."""
    if not passphrase:
        return "Enter a passphrase."
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return f"The passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters."
    if passphrase != confirmation:
        return "The two passphrases differ."
    return ""


class PassphrasePair(QWidget):
    """Passphrase, confirmation and a strength bar.

    Signals:
        changed(): either field changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, label: str = "New passphrase") -> None:
        super().__init__(parent)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText(f"At least {MIN_PASSPHRASE_LENGTH} characters")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar()
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.meter.setMaximumHeight(14)
        self.strength_label = QLabel()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(label, self.first)
        form.addRow("Confirm", self.second)
        form.addRow("Strength", self.meter)
        self.first.textChanged.connect(self._rate)
        self.first.textChanged.connect(self.changed)
        self.second.textChanged.connect(self.changed)
        self._rate()

    def _rate(self) -> None:
        text = self.first.text()
        score = strength(text)
        self.meter.setValue(score if text else 0)
        self.meter.setFormat(STRENGTH_LABELS[score] if text else "")
        self.meter.setStyleSheet(
            f"QProgressBar::chunk {{ background: {_STRENGTH_COLOURS[score]}; }}")

    def passphrase(self) -> str:
        return self.first.text()

    def problem(self) -> str:
        return passphrase_problem(self.first.text(), self.second.text())

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
