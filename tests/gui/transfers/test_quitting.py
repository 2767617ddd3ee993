"""Quitting while transfers run: the question and what each answer does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from vaultui.gui.core.qt import QWidget
from vaultui.gui.core.worker import JobContext
from vaultui.gui.transfers.model import TransfersModel
from vaultui.gui.transfers.quitting import QuitChoice, QuitGuard
from vaultui.gui.transfers.record import Direction, Status, Transfer


class Held:
    """A transfer job that runs until released (or cancelled), as a stalled upload."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.fail = False

    def job(self, ctx: JobContext) -> None:
        while not self.release.wait(0.01):
            ctx.check()
        if self.fail:
            raise OSError("the storage went away")


@dataclass
class Parts:
    transfers: TransfersModel
    guard: QuitGuard
    closed: list[str] = field(default_factory=list)
    asked: list[int] = field(default_factory=list)


@pytest.fixture
def parts(qtbot: Any) -> Iterator[Parts]:
    parent = QWidget()
    qtbot.addWidget(parent)
    transfers = TransfersModel(parent=parent)
    closed: list[str] = []
    made = Parts(transfers, QuitGuard(transfers, lambda: closed.append("closed"), parent),
                 closed)
    yield made
    transfers.shutdown()


def hold(transfers: TransfersModel, held: Held) -> Transfer:
    return transfers.add(Transfer(Direction.UPLOAD, "big.bin", "/tmp/big.bin", "/big.bin",
                                  lambda: held.job))


def recording(asked: list[int], answer: QuitChoice) -> Callable[[int], QuitChoice]:
    """An `ask` that notes each question's transfer count and gives `answer`."""
    def ask(count: int) -> QuitChoice:
        asked.append(count)
        return answer
    return ask


def test_no_transfers_quits_without_asking(parts: Parts) -> None:
    parts.guard.ask = recording(parts.asked, QuitChoice.STAY)
    assert parts.guard.may_quit()
    assert parts.asked == []


def test_dont_quit_keeps_the_transfer(parts: Parts) -> None:
    held = Held()
    transfer = hold(parts.transfers, held)
    parts.guard.ask = recording(parts.asked, QuitChoice.STAY)
    assert not parts.guard.may_quit()
    assert parts.asked == [1] and transfer.active
    held.release.set()


def test_wait_quits_once_done(qtbot: Any, parts: Parts) -> None:
    held = Held()
    transfer = hold(parts.transfers, held)
    parts.guard.ask = lambda n: QuitChoice.WAIT
    assert not parts.guard.may_quit()
    assert parts.closed == []
    held.release.set()
    qtbot.waitUntil(lambda: parts.closed == ["closed"], timeout=5000)
    assert transfer.status is Status.DONE


def test_wait_stops_when_a_transfer_fails(qtbot: Any, parts: Parts) -> None:
    held = Held()
    held.fail = True
    transfer = hold(parts.transfers, held)
    messages: list[str] = []
    parts.guard.messageRaised.connect(messages.append)
    parts.guard.ask = lambda n: QuitChoice.WAIT
    assert not parts.guard.may_quit()
    held.release.set()
    qtbot.waitUntil(lambda: transfer.status is Status.FAILED, timeout=5000)
    assert parts.closed == [] and not parts.guard.waiting
    assert messages[-1] == "Not quitting: big.bin failed."


def test_cancel_stops_the_transfers_then_quits(qtbot: Any, parts: Parts) -> None:
    held = Held()
    transfer = hold(parts.transfers, held)
    parts.guard.ask = lambda n: QuitChoice.CANCEL
    assert not parts.guard.may_quit()  # the window stays until the worker has stopped
    qtbot.waitUntil(lambda: parts.closed == ["closed"], timeout=5000)
    assert transfer.status is Status.CANCELLED
    assert parts.guard.may_quit()
