"""Vault lifecycle as one explicit state machine the views observe (after Cryptomator's
VaultState): locked, unlocking, unlocked, missing, error."""

from __future__ import annotations

import enum

from vaultui.gui.core.qt import QObject, Signal


class VaultState(enum.Enum):
    LOCKED = "locked"
    UNLOCKING = "unlocking"
    UNLOCKED = "unlocked"
    MISSING = "missing"
    ERROR = "error"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: state -> states it may move to. Anything else is a programming error.
TRANSITIONS: dict[VaultState, frozenset[VaultState]] = {
    VaultState.LOCKED: frozenset({VaultState.UNLOCKING, VaultState.MISSING, VaultState.ERROR}),
    VaultState.UNLOCKING: frozenset({VaultState.UNLOCKED, VaultState.LOCKED,
                                     VaultState.MISSING, VaultState.ERROR}),
    VaultState.UNLOCKED: frozenset({VaultState.LOCKED, VaultState.ERROR}),
    VaultState.MISSING: frozenset({VaultState.LOCKED, VaultState.ERROR}),
    VaultState.ERROR: frozenset({VaultState.LOCKED, VaultState.MISSING, VaultState.UNLOCKING}),
}


class IllegalTransitionError(RuntimeError):
    """A state change the machine does not allow."""


class VaultStateMachine(QObject):
    """The state of one vault.

    Signals:
        stateChanged(old: VaultState, new: VaultState): the state moved.
    """

    stateChanged = Signal(object, object)  # noqa: N815 - Qt naming

    def __init__(self, initial: VaultState = VaultState.LOCKED,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = initial

    @property
    def state(self) -> VaultState:
        return self._state

    def can_move(self, new: VaultState) -> bool:
        return new in TRANSITIONS[self._state]

    def move(self, new: VaultState) -> None:
        if new is self._state:
            return
        if not self.can_move(new):
            raise IllegalTransitionError(f"{self._state.value} -> {new.value}")
        old, self._state = self._state, new
        self.stateChanged.emit(old, new)
