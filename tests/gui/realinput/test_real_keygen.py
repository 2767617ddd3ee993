"""The key wizard on a real X display, with the real OS keyring: it never replaces a stored
key without asking."""

from __future__ import annotations

import uuid
from typing import Any

from realsteps import main_window_shown
from xharness import RealApp, StartApp

from vaultui.secrets.keyring_store import KeyringStore


def key_page(app: RealApp) -> None:
    """Tools → Generate key…, Next: a random key, ready to store."""
    main_window_shown(app)
    app.key("alt+t")
    app.wait(lambda s: any(w["class"] == "QMenu" for w in s["windows"]), "the Tools menu")
    app.key("Return")
    app.click_button("Generate a key", "&Next >")
    app.wait(lambda s: (w := app.widget(s, "keyringName")) and w["text"], "the key page")


def name_field(app: RealApp) -> None:
    """Click into the keyring name field, and wait for the keyboard to be there."""
    app.click(*app.widget(app.state(), "keyringName")["centre"])
    app.wait(lambda s: s["focus"] and s["focus"]["name"] == "keyringName",
             "the keyboard in the name field")


def status(app: RealApp, state: dict[str, Any]) -> str:
    label = app.widget(state, "keyStatus")
    return str(label["text"]) if label else ""


def test_store_in_keyring_refuses_to_replace_a_stored_key(
        start_app: StartApp, demo_vault: str, secret_service: Any) -> None:
    taken = f"realinput-{uuid.uuid4().hex[:8]}"
    store = KeyringStore()
    store.set(f"key:{taken}", "the earlier key")
    try:
        app = start_app(demo_vault)
        key_page(app)
        default = str(app.widget(app.state(), "keyringName")["text"])
        assert default.startswith("generated-key-")
        # Store under another, taken name: the wizard asks, Escape keeps the stored key.
        name_field(app)
        app.key("ctrl+a")
        app.type(taken)
        app.click_button("Generate a key", "Store in keyring")
        app.wait_focus_in("Replace the stored key?")
        app.key("Escape")
        app.wait(lambda s: "Not stored" in status(app, s), "the refusal")
        assert store.get(f"key:{taken}") == "the earlier key"
        # Under the default name, which nothing took yet, it stores without asking.
        name_field(app)
        app.key("ctrl+a")
        app.type(default)
        app.click_button("Generate a key", "Store in keyring")
        app.wait(lambda s: "Stored in the keyring" in status(app, s), "the key stored")
        assert store.get(f"key:{default}")
        store.delete(f"key:{default}")
        app.key("Escape")  # closes the wizard
        assert app.quit() == 0
    finally:
        store.delete(f"key:{taken}")
