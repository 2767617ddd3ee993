from __future__ import annotations

import threading

import pytest

from vaultui.gui.qt import QThread
from vaultui.gui.worker import CancelledError, JobContext, TaskRunner


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
