"""The one place vaultui imports Qt from (as qutebrowser does).

Every other module writes ``from vaultui.gui.core.qt import QObject, Signal``; switching bindings,
pinning workarounds for a Qt version, or finding every Qt dependency starts here.
QtGui and QtWidgets repeat a few QtCore helper names (QIntList, qFuzzyCompare) with other
stub types, hence the ignores on their star imports.
"""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import *  # noqa: F403
from PySide6.QtGui import *  # type: ignore[assignment]  # noqa: F403
from PySide6.QtWidgets import *  # type: ignore[assignment]  # noqa: F403
from shiboken6 import isValid

#: Whether a Qt object's C++ side still exists (after deleteLater, a parent's deletion, ...).
is_alive = isValid

#: PySide6 6.12 added QPointF overloads to the drag events and deprecated the QPoint ones.
QT_612 = tuple(int(x) for x in pyside_version.split(".")[:2]) >= (6, 12)
