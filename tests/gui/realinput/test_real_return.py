"""Return on a real X display: it commits the editor that has the focus, and only Return in
the file view opens the current item."""

from __future__ import annotations

from typing import Any

from guihelpers import PASSPHRASE
from realsteps import names, unlock_by_keyboard
from xharness import RealApp, StartApp

from vaultui.fs.filesystem import VaultFileSystem


def path_bar(app: RealApp, state: dict[str, Any]) -> str | None:
    bar = app.widget(state, "pathBar")
    return None if bar is None else str(bar["text"])


def go_to(app: RealApp, path: str) -> None:
    """Click the path bar, replace its text with `path`, Return."""
    bar = app.wait(lambda s: app.widget(s, "pathBar"), "the path bar")
    app.click(*bar["centre"])
    app.wait(lambda s: s["focus"] and s["focus"]["name"] == "pathBar", "the path bar's focus")
    app.key("ctrl+a")
    app.type(path)
    app.key("Return")


def test_return_in_the_path_bar_navigates_and_opens_nothing(start_app: StartApp,
                                                            demo_vault: str) -> None:
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    app.click_row("plainView", "hello.txt")
    app.wait(lambda s: (r := app.row(s, "plainView", "hello.txt")) and r["current"],
             "hello.txt current")
    go_to(app, "/docs")
    app.wait(lambda s: path_bar(app, s) == "/docs"
             and names(app, s) == ["deep", "report.txt"], "the docs folder")
    go_to(app, "/")
    app.wait(lambda s: path_bar(app, s) == "/"
             and names(app, s) == ["docs", "empty", "hello.txt"], "the vault's root")
    # Nothing was decrypted to open: the app's temp folder stayed empty.
    assert list(app.tmpdir.iterdir()) == []
    # Return in the view itself still opens: the folder under the cursor.
    app.click_row("plainView", "docs")
    app.key("Return")
    app.wait(lambda s: path_bar(app, s) == "/docs", "Return in the view to open docs")
    assert app.quit() == 0


def test_new_folder_then_enter_names_it(start_app: StartApp, demo_vault: str) -> None:
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    app.key("ctrl+shift+n")
    app.wait(lambda s: s["focus"] and s["focus"]["class"] == "QLineEdit"
             and (r := app.row(s, "plainView", "New folder")) and r["editing"],
             "the new folder's name editor")
    app.type("Projects")
    app.key("Return")
    state = app.wait(lambda s: "Projects" in names(app, s) and s, "the folder named Projects")
    app.wait(lambda s: not any(r["editing"] for r in app.rows(s, "plainView"))
             and s["focus"]["name"] == "plainView", "the editor to close")
    state = app.state()
    assert names(app, state) == ["docs", "empty", "Projects", "hello.txt"]
    assert path_bar(app, state) == "/"
    assert "Cannot list" not in app.status(state)
    assert app.quit() == 0
    fs = VaultFileSystem(demo_vault, passphrase=PASSPHRASE)
    assert fs.isdir("Projects")
    assert not fs.exists("New folder")
