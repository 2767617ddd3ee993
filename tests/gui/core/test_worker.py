from __future__ import annotations

import threading

import pytest

from vaultui.crypto.errors import CancelledError
from vaultui.gui.core.qt import QThread
from vaultui.gui.core.worker import JobContext, TaskRunner


@pytest.fixture
def runner(qtbot):
    r = TaskRunner(max_threads=2)
    yield r
    assert r.shutdown()


def test_result_arrives_on_gui_thread(qtbot, runner: TaskRunner) -> None:
    gui = QThread.currentThread()
    seen: list[object] = []

    def job(ctx: JobContext) -> str:
        assert QThread.currentThread() is not gui
        ctx.progress(1, 2)
        return "done"

    task = runner.run(job, on_success=lambda r: seen.append((r, QThread.currentThread())))
    progress: list[tuple[int, int]] = []
    task.progressed.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert seen == [("done", gui)]
    assert not task.running and task.done


def test_error_arrives_as_failed(qtbot, runner: TaskRunner) -> None:
    def job(ctx: JobContext) -> None:
        raise ValueError("boom")

    task = runner.run(job)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], ValueError)


def test_cancel_sets_the_flag_the_job_checks(qtbot, runner: TaskRunner) -> None:
    started = threading.Event()

    def job(ctx: JobContext) -> None:
        started.set()
        while True:
            ctx.check()
            ctx.cancelled.wait(0.01)

    task = runner.run(job)
    assert started.wait(5)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.cancel()
    assert isinstance(blocker.args[0], CancelledError)
    assert task.is_cancelled


def test_a_job_ends_before_the_next_one_on_its_thread_starts(qtbot) -> None:
    """Events reach the GUI in the order they happened, across tasks: a bounded pool never
    seems to run more jobs than it has threads (a transfer list once showed 3 of 2).

    The first job ends, and the next one starts and reports, while the GUI thread is busy
    in the first job's own progress slot: both events are waiting when it comes back.
    `next_started` is set after the next job reported, and the one pool thread takes the
    next job only after the first one's end was queued, so no time needs to pass.
    """
    runner = TaskRunner(max_threads=1)
    order: list[str] = []
    first_may_end, next_started, next_may_end = (threading.Event() for _ in range(3))

    def first_job(ctx: JobContext) -> None:
        ctx.progress(0, 1)
        first_may_end.wait(5)

    def next_job(ctx: JobContext) -> None:
        ctx.progress(0, 1)
        next_started.set()
        next_may_end.wait(5)

    def first_progressed(*_: object) -> None:
        if first_may_end.is_set():
            return
        first_may_end.set()
        assert next_started.wait(5)

    try:
        first = runner.run(first_job)
        first.progressed.connect(first_progressed)
        first.ended.connect(lambda: order.append("first ended"))
        second = runner.run(next_job)
        second.progressed.connect(lambda *_: order.append("next progressed"))
        qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
        assert order == ["first ended", "next progressed"]
    finally:
        first_may_end.set()
        next_may_end.set()
        assert runner.shutdown()
