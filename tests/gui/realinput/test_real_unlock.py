"""Unlocking a vault with the keyboard only, on a real X display."""

from __future__ import annotations

from realsteps import names, unlock_by_keyboard
from xharness import StartApp


def test_unlock_by_keyboard_shows_the_files(start_app: StartApp, demo_vault: str) -> None:
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    state = app.wait(lambda s: len(names(app, s)) == 3 and s, "three entries")
    assert names(app, state) == ["docs", "empty", "hello.txt"]
    assert app.quit() == 0
    assert list(app.tmpdir.iterdir()) == []
