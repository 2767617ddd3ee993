"""The state file the real-input tests read: what it shows, and what it never shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaultui.gui.core.qt import QLineEdit, QPushButton, QVBoxLayout, QWidget
from vaultui.gui.core.statedump import StateDump, snapshot


def test_snapshot_names_widgets_but_never_a_password(qtbot: Any, tmp_path: Path) -> None:
    window = QWidget()
    window.setWindowTitle("Unlock demo")
    layout = QVBoxLayout(window)
    secret = QLineEdit("a secret passphrase")
    secret.setEchoMode(QLineEdit.EchoMode.Password)
    secret.setObjectName("passphrase")
    plain = QLineEdit("/docs")
    plain.setObjectName("pathBar")
    layout.addWidget(secret)
    layout.addWidget(plain)
    layout.addWidget(QPushButton("Unlock"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    shown = next(w for w in snapshot()["windows"] if w["title"] == "Unlock demo")
    assert shown["named"]["pathBar"]["text"] == "/docs"
    assert "text" not in shown["named"]["passphrase"]
    assert "Unlock" in shown["buttons"]
    dump = StateDump(str(tmp_path / "state.json"), parent=window)
    dump.write()
    written = (tmp_path / "state.json").read_text()
    assert "a secret passphrase" not in written
