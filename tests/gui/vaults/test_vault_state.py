from __future__ import annotations

import pytest

from vaultui.gui.vaults.state import (
    TRANSITIONS,
    IllegalTransitionError,
    VaultState,
    VaultStateMachine,
)


def test_every_state_has_transitions() -> None:
    assert set(TRANSITIONS) == set(VaultState)


def test_allowed_move_emits_old_and_new(qtbot) -> None:
    machine = VaultStateMachine()
    with qtbot.waitSignal(machine.stateChanged) as blocker:
        machine.move(VaultState.UNLOCKING)
    assert blocker.args == [VaultState.LOCKED, VaultState.UNLOCKING]
    assert machine.state is VaultState.UNLOCKING


def test_illegal_move_raises_and_keeps_state(qtbot) -> None:
    machine = VaultStateMachine()
    with pytest.raises(IllegalTransitionError):
        machine.move(VaultState.UNLOCKED)  # must pass through UNLOCKING
    assert machine.state is VaultState.LOCKED


def test_same_state_is_a_no_op(qtbot) -> None:
    machine = VaultStateMachine()
    with qtbot.assertNotEmitted(machine.stateChanged):
        machine.move(VaultState.LOCKED)
