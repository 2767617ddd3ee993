"""Python's cyclic garbage collector, run on the GUI thread only."""

from __future__ import annotations

import gc

from vaultui.gui.core.qt import QObject, QTimer


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects from a GUI-thread timer.

    The interpreter starts a collection in whichever thread happens to allocate past the
    threshold, often a worker listing or encrypting. A collection that frees a Qt
    object's wrapper there destroys the object on the wrong thread, and Qt crashes (a
    test run died that way, "Garbage-collecting" in a listing worker). Here a timer on
    the GUI thread collects the generation the interpreter would have, by the same
    counts and thresholds; only reference cycles wait for the next tick, everything
    else is still freed at once by reference counting.
    """

    #: The tick while nothing was due: rare enough to cost nothing measurable when idle.
    IDLE_INTERVAL_MS = 250
    #: The tick after a collection: while workers allocate fast (a big listing), frequent
    #: small collections instead of one long pause over everything they made.
    BUSY_INTERVAL_MS = 20

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(self.IDLE_INTERVAL_MS)
        self._timer.timeout.connect(self.tick)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Hand collection back to the interpreter, after one last full collection here."""
        self._timer.stop()
        gc.collect()
        gc.enable()

    @property
    def interval_ms(self) -> int:
        """How long until the next tick: short while collections keep coming due."""
        return int(self._timer.interval())

    def tick(self) -> None:
        """What the timer runs: collect what is due, and choose when to look again."""
        due = self.collect_due()
        self._timer.setInterval(self.IDLE_INTERVAL_MS if due is None else self.BUSY_INTERVAL_MS)

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold; which one, or None."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return generation
        return None
