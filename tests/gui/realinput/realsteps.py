"""Steps the real-input tests share: start the app on a vault and unlock it by keyboard."""

from __future__ import annotations

from guihelpers import PASSPHRASE
from xharness import RealApp, State


def main_window_shown(app: RealApp) -> None:
    app.wait(lambda s: app.window(s, "vaultui") and app.widget(s, "vaultList"),
             "the main window")
    app.activate()


def unlock_by_keyboard(app: RealApp, passphrase: str = PASSPHRASE) -> None:
    """Ctrl+U, type the passphrase, Return: then the plaintext view lists the vault."""
    main_window_shown(app)
    app.key("ctrl+u")
    app.wait(lambda s: s["focus"] and s["focus"]["window"].startswith("Unlock"),
             "the unlock dialog with the focus in it")
    app.type(passphrase)
    app.key("Return")
    app.wait(lambda s: app.rows(s, "plainView") and s["focus"]
             and s["focus"]["window"] == "vaultui", "the unlocked vault's files")


def names(app: RealApp, state: State) -> list[str]:
    return [str(r["name"]) for r in app.rows(state, "plainView")]
