"""Lock the vaults after N minutes without keyboard or mouse input in the app."""

from __future__ import annotations

from collections.abc import Callable

from vaultui.gui.qt import QEvent, QObject, QTimer

SETTINGS_KEY = "autolock/minutes"
#: Events that show someone is at the keyboard or mouse.
ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class AutoLock(QObject):
    """An event filter (install it on the QApplication) that restarts an idle timer.

    `lock_all` runs when the timer fires; 0 minutes switches auto-lock off.
    """

    def __init__(self, lock_all: Callable[[], None], minutes: float = 0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock_all = lock_all
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._fire)
        self.set_minutes(minutes)

    @property
    def minutes(self) -> float:
        return self._minutes

    def set_minutes(self, minutes: float) -> None:
        self._minutes = max(0.0, float(minutes))
        if self._minutes:
            self.timer.setInterval(int(self._minutes * 60_000))
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._minutes and event.type() in ACTIVITY:
            self.timer.start()
        return False

    def _fire(self) -> None:
        self._lock_all()
