"""Renaming with F2 on a real X display: Escape, Return and Tab end the editor, no crash.

Offscreen the editor never loses the focus to a real window manager, and the crash these
tests guard against (exit 139 on F2 then Escape) did not show there.
"""

from __future__ import annotations

from typing import Any

import pytest
from guihelpers import PASSPHRASE
from realsteps import names, unlock_by_keyboard
from xharness import RealApp, StartApp

from vaultui.fs.filesystem import VaultFileSystem


def start_renaming(app: RealApp, name: str) -> None:
    app.click_row("plainView", name)
    app.wait(lambda s: (r := app.row(s, "plainView", name)) and r["current"],
             f"{name} to be current")
    app.key("F2")
    app.wait(lambda s: s["focus"] and s["focus"]["class"] == "QLineEdit"
             and (r := app.row(s, "plainView", name)) and r["editing"], "the rename editor")


def editor_closed(app: RealApp, state: dict[str, Any]) -> bool:
    return not any(r["editing"] for r in app.rows(state, "plainView")) \
        and state["focus"] is not None and state["focus"]["name"] == "plainView"


@pytest.mark.parametrize("rounds", [3])
def test_f2_then_escape_keeps_the_name(start_app: StartApp, demo_vault: str,
                                       rounds: int) -> None:
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    for _ in range(rounds):
        start_renaming(app, "hello.txt")
        app.type("other.txt")
        app.key("Escape")
        app.wait(lambda s: editor_closed(app, s), "the editor to close")
    state = app.state()
    assert names(app, state) == ["docs", "empty", "hello.txt"]
    assert app.quit() == 0
    fs = VaultFileSystem(demo_vault, passphrase=PASSPHRASE)
    assert fs.cat_file("hello.txt") == b"hello"


@pytest.mark.parametrize("key", ["Return", "Tab"])
def test_f2_type_and_commit_renames(start_app: StartApp, demo_vault: str, key: str) -> None:
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    start_renaming(app, "hello.txt")
    app.type("renamed.txt")
    app.key(key)
    app.wait(lambda s: "renamed.txt" in names(app, s) and editor_closed(app, s),
             "the renamed file")
    # The renamed file is still there to work with: F2 again, and Escape.
    start_renaming(app, "renamed.txt")
    app.key("Escape")
    app.wait(lambda s: editor_closed(app, s), "the editor to close")
    assert names(app, app.state()) == ["docs", "empty", "renamed.txt"]
    assert app.quit() == 0
    fs = VaultFileSystem(demo_vault, passphrase=PASSPHRASE)
    assert fs.cat_file("renamed.txt") == b"hello"
    assert not fs.exists("hello.txt")
