"""What the app shows, written to a JSON file for the real-input tests (off unless asked).

With ``VAULTUI_STATE_FILE`` set, the app writes there, whenever it changed, what a user could
see: window titles, the focused widget, the status bar, the dialog in front with its
buttons, and the named widgets and view rows with their screen centres (where to click).
The tests drive the app with real X input (xdotool) and wait on this file instead of
sleeping. It holds names and paths, never file contents or secrets: password fields are
left out.
"""

from __future__ import annotations

import json
import os
from typing import Any

from vaultui.gui.core.qt import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDrag,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QObject,
    QPoint,
    QTimer,
    QWidget,
)

ENV_VAR = "VAULTUI_STATE_FILE"


def _centre(widget: QWidget, local: QPoint | None = None) -> list[int]:
    point = widget.mapToGlobal(local if local is not None else widget.rect().center())
    return [point.x(), point.y()]


def _text(widget: QWidget) -> str | None:
    if isinstance(widget, QLineEdit):
        return None if widget.echoMode() != QLineEdit.EchoMode.Normal else widget.text()
    if isinstance(widget, QAbstractButton | QLabel):
        return widget.text()
    return None


def _rows(view: QAbstractItemView) -> list[dict[str, Any]]:
    """The top rows under the view's root: name, screen centre, selected, editing."""
    model = view.model()
    root = view.rootIndex()
    viewport = view.viewport()
    rows = []
    for row in range(min(model.rowCount(root), 200)):
        index = model.index(row, 0, root)
        rect = view.visualRect(index)
        rows.append({
            "name": index.data(),
            "centre": _centre(viewport, rect.center()),
            "visible": viewport.rect().contains(rect.center()),
            "selected": view.selectionModel().isSelected(index),
            "current": index == view.currentIndex(),
            "editing": view.indexWidget(index) is not None,
        })
    return rows


def _widget(widget: QWidget) -> dict[str, Any]:
    entry: dict[str, Any] = {"class": type(widget).__name__, "centre": _centre(widget),
                             "enabled": widget.isEnabled()}
    text = _text(widget)
    if text is not None:
        entry["text"] = text
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        entry["rows"] = _rows(widget)
    return entry


def _window(window: QWidget) -> dict[str, Any]:
    entry: dict[str, Any] = {"class": type(window).__name__, "title": window.windowTitle(),
                             "modal": window.isModal()}
    if isinstance(window, QMessageBox):
        entry["text"] = window.text()
    if isinstance(window, QMainWindow):
        entry["status"] = window.statusBar().currentMessage()
    entry["buttons"] = {b.text(): _centre(b) for b in window.findChildren(QAbstractButton)
                        if b.isVisible() and b.text()}
    entry["named"] = {w.objectName(): _widget(w) for w in window.findChildren(QWidget)
                      if w.objectName() and not w.objectName().startswith("qt_")
                      and w.isVisible()}
    return entry


def snapshot() -> dict[str, Any]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    focus = app.focusWidget()
    modal = app.activeModalWidget()
    return {
        "pid": os.getpid(),
        "focus": None if focus is None else {
            "class": type(focus).__name__, "name": focus.objectName(),
            "window": focus.window().windowTitle()},
        "modal": None if modal is None else modal.windowTitle(),
        # A drag out is running (its own event loop): the button must be held for it.
        "dragging": any(w.findChildren(QDrag) for w in app.topLevelWidgets()),
        "windows": [_window(w) for w in app.topLevelWidgets() if w.isVisible()],
    }


class StateDump(QObject):
    """Writes :func:`snapshot` to `path` every `interval_ms` when it changed (atomically)."""

    def __init__(self, path: str, interval_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._last = ""
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.write)
        self._timer.start()

    def write(self) -> None:
        text = json.dumps(snapshot(), sort_keys=True)
        if text == self._last:
            return
        self._last = text
        partial = f"{self.path}.part"
        with open(partial, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, self.path)


def start_from_env(parent: QObject) -> StateDump | None:
    path = os.environ.get(ENV_VAR)
    return StateDump(path, parent=parent) if path else None
