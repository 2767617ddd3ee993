"""The GUI tests' own machinery: Qt warnings become failures."""

from __future__ import annotations


def test_qt_warnings_are_caught(fail_on_qt_warnings: list[str]) -> None:
    from vaultui.gui.core.qt import qWarning
    qWarning("vaultui test warning")
    assert fail_on_qt_warnings == ["QtWarningMsg: vaultui test warning"]
    fail_on_qt_warnings.clear()  # caught on purpose: the test itself must still pass
