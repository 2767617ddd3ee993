"""Quitting during an upload, on a real X display: vaultui asks, and does what was answered.

The upload is a real drag of a local file from another program (xpeer) onto the plaintext
view. The vault is on ``gated://`` storage, whose writes wait while the test holds the gate
closed, so the upload is surely still running when Ctrl+Q comes and the answer is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guihelpers import PASSPHRASE
from realsteps import unlock_by_keyboard
from xharness import RealApp, StartApp, XDisplay, XPeer, drag, gated_storage

from vaultui.fs.filesystem import VaultFileSystem

SIZE = 8 << 20


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Path]:
    """Closed: the vault's storage writes wait. Always opened in the end."""
    path = tmp_path / "gate"
    path.touch()
    yield path
    path.unlink(missing_ok=True)


def start_gated(start_app: StartApp, vault: str, gate: Path) -> RealApp:
    app = start_app(f"gated://{vault}", env=gated_storage(gate))
    unlock_by_keyboard(app)
    return app


def summary(app: RealApp, state: dict[str, Any]) -> str:
    label = app.widget(state, "transferSummary")
    return str(label["text"]) if label else ""


def upload_by_drag(app: RealApp, xdisplay: XDisplay, tmp_path: Path, local: Path) -> None:
    source = XPeer.start(xdisplay, tmp_path / "peer", "source", str(local))
    try:
        view = app.widget(app.state(), "plainView")
        assert view is not None
        drag(xdisplay, source.centre, tuple(view["centre"]),
             started=lambda: source.state().get("dragging"),
             arrived=lambda: source.state().get("action") == "copy")
        source.wait(lambda s: s["drags"] == ["copy"], "the drop")
    finally:
        source.kill()
    app.wait(lambda s: summary(app, s).startswith("1 transfer:"), "the upload to run")


def ask_to_quit(app: RealApp) -> None:
    app.activate()
    app.key("ctrl+q")
    app.wait(lambda s: s["modal"] == "Quit vaultui?"
             and "1 transfer is running." in app.window(s, "Quit vaultui?")["text"],
             "the question")
    app.wait_focus_in("Quit vaultui?")


@pytest.fixture
def asked(start_app: StartApp, demo_vault: str, xdisplay: XDisplay, tmp_path: Path,
          big_file: Path, gate: Path) -> RealApp:
    """The app with an upload held at the gate, after Ctrl+Q: the question is shown."""
    app = start_gated(start_app, demo_vault, gate)
    upload_by_drag(app, xdisplay, tmp_path, big_file)
    ask_to_quit(app)
    return app


def test_quit_during_upload_asks_then_cancels(asked: RealApp, demo_vault: str,
                                              gate: Path) -> None:
    app = asked
    app.key("Escape")  # Don't quit
    app.wait(lambda s: s["modal"] is None and s["focus"], "the question to go")
    app.check_alive()
    ask_to_quit(app)
    app.click_button("Quit vaultui?", "Cancel transfer and quit")
    # The upload stops at its next block; the window stays alive until it has.
    app.wait(lambda s: "Cancelling the transfers" in app.status(s), "the cancel")
    gate.unlink()
    assert app.wait_exit() == 0
    fs = VaultFileSystem(demo_vault, passphrase=PASSPHRASE)
    assert not fs.exists("big.bin")  # nothing half-written under the real name
    assert sorted(fs.ls("", detail=False)) == ["docs", "empty", "hello.txt"]


def test_quit_during_upload_can_wait_for_it(asked: RealApp, demo_vault: str, gate: Path,
                                            big_file: Path) -> None:
    app = asked
    app.click_button("Quit vaultui?", "Quit when done")
    app.wait(lambda s: "quits when the transfers are done" in app.status(s), "the promise")
    app.check_alive()
    gate.unlink()
    assert app.wait_exit() == 0
    fs = VaultFileSystem(demo_vault, passphrase=PASSPHRASE)
    assert fs.cat_file("big.bin") == big_file.read_bytes()
