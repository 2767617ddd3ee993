"""Lock the vaults after N minutes without keyboard or mouse input in the app."""

from __future__ import annotations

import time
from collections.abc import Callable

from vaultui.gui.core.qt import QEvent, QObject, QTimer

SETTINGS_KEY = "autolock/minutes"
#: Events that show someone is at the keyboard or mouse.
ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class AutoLock(QObject):
    """An event filter (install it on the QApplication) that notes the last input.

    `lock_all` runs once the app has had no input for `minutes`; 0 switches auto-lock off.
    Idle time is read from `clock` (seconds, `time.monotonic` unless given), so tests can
    move time themselves. The timer only wakes `poll` at the earliest moment the idle
    time can be up; input just notes the time, so a mouse move restarts no timer. After a
    lock the timer waits for the next input.
    """

    def __init__(self, lock_all: Callable[[], None], minutes: float = 0,
                 parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._lock_all = lock_all
        self._clock = clock
        self._last_input = clock()
        self._locked = False  # locked for idleness, no input since
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.poll)
        self.set_minutes(minutes)

    @property
    def minutes(self) -> float:
        return self._minutes

    def set_minutes(self, minutes: float) -> None:
        """Lock after `minutes` without input from now on (0: never)."""
        self._minutes = max(0.0, float(minutes))
        self._last_input = self._clock()
        self._locked = False
        self.poll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._minutes and event.type() in ACTIVITY:
            self._last_input = self._clock()
            if self._locked:  # the first input after a lock: a new idle period
                self._locked = False
                self.poll()
        return False

    def poll(self) -> None:
        """Lock now if the app has been idle for `minutes`, else wait for the rest.

        The timer calls it; a caller that knows time has passed (a resume from sleep) may too.
        """
        if not self._minutes or self._locked:
            self.timer.stop()
            return
        left = self._minutes * 60 - (self._clock() - self._last_input)
        if left > 0:
            # Rounded up, so the timer never wakes a moment early and re-arms for 0 ms.
            self.timer.start(int(left * 1000) + 1)
            return
        # The timer waits for the next input, so an idle app is locked once, not again and
        # again, and a vault unlocked later gets its full idle time.
        self.timer.stop()
        self._locked = True
        self._lock_all()
