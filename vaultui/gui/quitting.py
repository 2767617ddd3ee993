"""Quitting while transfers run: ask first, and quit once they are done if that was the answer."""

from __future__ import annotations

import enum
from collections.abc import Callable

from vaultui.gui.qt import QMessageBox, QObject, QWidget, Signal
from vaultui.gui.questions import Answer, ask_three
from vaultui.gui.transfers import Status, Transfer, TransfersModel


class QuitChoice(enum.Enum):
    WAIT = "quit when the transfers are done"
    CANCEL = "cancel the transfers and quit"
    STAY = "do not quit"


def ask_quit(parent: QWidget, running: int) -> QuitChoice:
    plural = "s" * (running != 1)
    box = QMessageBox(QMessageBox.Icon.Question, "Quit vaultui?",
                      f"{running} transfer{plural} {'are' if running != 1 else 'is'} running.",
                      QMessageBox.StandardButton.NoButton, parent)
    them = "them" if running != 1 else "it"
    box.setInformativeText(f"Quitting now cancels {them}: files being added are not added, "
                           "decrypted copies being made are not made. Nothing half-written "
                           "stays behind.")
    answer = ask_three(box, "Quit when done", f"Cancel transfer{plural} and quit", "Don't quit")
    return {Answer.GO_ON: QuitChoice.WAIT, Answer.DESTRUCTIVE: QuitChoice.CANCEL,
            Answer.BACK: QuitChoice.STAY}[answer]


class QuitGuard(QObject):
    """Says whether the app may quit now; asks when transfers run.

    Waiting and cancelling both happen with the window alive: `close` is called once the
    transfers are done (or have stopped, after a cancel), so a transfer stalled on a slow
    storage never freezes the window. A failure stops the wait: its error must stay on
    screen. Asked to quit again while cancelling, it gives up waiting.

    Signals:
        messageRaised(text: str): something to show the user (status bar).
    """

    messageRaised = Signal(str)  # noqa: N815

    def __init__(self, transfers: TransfersModel, close: Callable[[], object],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.transfers = transfers
        self._close = close
        self.waiting = False
        self.cancelling = False
        self.ask: Callable[[int], QuitChoice] = lambda running: ask_quit(parent, running)
        transfers.transferEnded.connect(self._ended)

    def may_quit(self) -> bool:
        running = self.transfers.active
        if not running or self.cancelling:
            return True
        choice = self.ask(running)
        if not self.transfers.active:  # they ended while the question was up
            return choice is not QuitChoice.STAY
        self.waiting = choice is not QuitChoice.STAY
        if choice is QuitChoice.CANCEL:
            self.cancelling = True
            for transfer in list(self.transfers.transfers):
                self.transfers.cancel(transfer)
            self.messageRaised.emit("Cancelling the transfers, then quitting…")
        elif choice is QuitChoice.WAIT:
            self.messageRaised.emit("vaultui quits when the transfers are done.")
        return False

    def _ended(self, transfer: Transfer) -> None:
        if not self.waiting:
            return
        if transfer.status is Status.FAILED and not self.cancelling:
            self.waiting = False
            self.messageRaised.emit(f"Not quitting: {transfer.label} failed.")
        elif not self.transfers.active:
            self.waiting = False
            self._close()
