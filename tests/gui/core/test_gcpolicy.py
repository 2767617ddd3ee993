"""Garbage collection runs on the GUI thread, never in a worker (vaultui.gui.core.gcpolicy)."""

from __future__ import annotations

import gc
import threading
import weakref

from vaultui.gui.core.gcpolicy import GuiThreadCollector


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def cycles_dropped_in_a_worker() -> list[str]:
    """Drop reference cycles in a worker thread, more than a collection's worth.

    Returns the names of the threads the first cycle is freed in (filled in when it is).
    """
    freed: list[str] = []

    def work() -> None:
        weakref.finalize(Node(), lambda: freed.append(threading.current_thread().name))
        # Past the youngest generation's threshold: the interpreter collects here.
        for _ in range(3 * gc.get_threshold()[0]):
            Node()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    return freed


def test_a_cycle_dropped_in_a_worker_is_freed_on_the_gui_thread(
        qtbot, gui_thread_collector: GuiThreadCollector) -> None:
    assert gui_thread_collector.active and not gc.isenabled()
    freed = cycles_dropped_in_a_worker()
    assert freed == []  # the worker dropped plenty, and collected nothing
    qtbot.waitUntil(lambda: freed != [], timeout=5_000)
    assert freed == [threading.main_thread().name]


def test_without_it_the_worker_collects(gui_thread_collector: GuiThreadCollector) -> None:
    """The hazard the collector removes: the interpreter collects in the allocating thread."""
    gui_thread_collector.stop()
    assert gc.isenabled()
    freed = cycles_dropped_in_a_worker()
    assert freed == ["worker"]


def test_a_tick_collects_the_generation_that_is_due(
        gui_thread_collector: GuiThreadCollector) -> None:
    gc.collect()
    assert gui_thread_collector.collect_due() is None
    keep: list[list[int]] = [[] for _ in range(2 * gc.get_threshold()[0])]
    assert gui_thread_collector.collect_due() == 0
    assert gc.get_count()[0] < gc.get_threshold()[0]
    del keep


def test_stop_hands_collection_back_to_the_interpreter(
        gui_thread_collector: GuiThreadCollector) -> None:
    gui_thread_collector.stop()
    assert gc.isenabled() and not gui_thread_collector.active


def test_ticks_come_faster_while_collections_are_due(
        gui_thread_collector: GuiThreadCollector) -> None:
    """A worker allocating fast gets small collections often, not one long pause."""
    assert gui_thread_collector.interval_ms == GuiThreadCollector.IDLE_INTERVAL_MS
    keep: list[list[int]] = [[] for _ in range(2 * gc.get_threshold()[0])]
    gui_thread_collector.tick()
    assert gui_thread_collector.interval_ms == GuiThreadCollector.BUSY_INTERVAL_MS
    gui_thread_collector.tick()
    assert gui_thread_collector.interval_ms == GuiThreadCollector.IDLE_INTERVAL_MS
    del keep
