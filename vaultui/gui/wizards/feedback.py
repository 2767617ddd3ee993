"""The busy bar and error line the wizards and dialogs show while a job runs and after."""

from __future__ import annotations

from vaultui.gui.core.qt import QLabel, QProgressBar


def busy_bar() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    bar.hide()
    return bar


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #c0392b")
    return label
