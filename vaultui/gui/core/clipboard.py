"""Copying secrets: the clipboard is cleared after a while, but only if it still holds ours."""

from __future__ import annotations

from vaultui.gui.core.qt import QClipboard, QGuiApplication, QObject, QTimer

CLEAR_AFTER_MS = 30_000


class SecretClipboard(QObject):
    """Puts text on the clipboard and takes it off again after `clear_after_ms`."""

    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS,
                 clipboard: QClipboard | None = None) -> None:
        super().__init__(parent)
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._ours = ""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(clear_after_ms)
        self.timer.timeout.connect(self.clear)

    def copy(self, text: str) -> None:
        self._ours = text
        self._clipboard.setText(text)
        self.timer.start()

    def clear(self) -> None:
        """Empty the clipboard if it still holds what we put there (the user may have
        copied something else since: leave that alone)."""
        if self._ours and self._clipboard.text() == self._ours:
            self._clipboard.clear()
        self._ours = ""
        self.timer.stop()
