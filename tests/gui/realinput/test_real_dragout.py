"""Dragging files out of the app onto another program, with the real mouse on X.

The drop target is xpeer.py, which copies what is dropped as a file manager does. The
decryption before a drag is held at a gate (``gated://`` storage) where a test needs it
to outlast the mouse button.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import DEMO_FILES, make_vault
from realsteps import unlock_by_keyboard
from xharness import RealApp, StartApp, XDisplay, XPeer, drag, gated_storage

BIG = os.urandom(4 << 20)


@pytest.fixture
def target(xdisplay: XDisplay, tmp_path: Path) -> Iterator[tuple[XPeer, Path]]:
    desktop = tmp_path / "desktop"
    desktop.mkdir()
    peer = XPeer.start(xdisplay, tmp_path / "peer", "target", str(desktop))
    yield peer, desktop
    peer.kill()


def select(app: RealApp, *names: str) -> None:
    """Click the first, Ctrl+click the others (the drag then presses elsewhere: no
    double-click)."""
    app.click_row("plainView", names[0])
    for name in names[1:]:
        x, y = app.row(app.state(), "plainView", name)["centre"]
        app.display.xdotool("keydown", "ctrl")
        app.click(x, y)
        app.display.xdotool("keyup", "ctrl")
    app.wait(lambda s: sorted(r["name"] for r in app.rows(s, "plainView") if r["selected"])
             == sorted(names), f"{names} selected")


def test_drag_out_copies_onto_the_drop_target_and_lock_removes_them(
        start_app: StartApp, demo_vault: str, xdisplay: XDisplay,
        target: tuple[XPeer, Path]) -> None:
    peer, desktop = target
    app = start_app(demo_vault)
    unlock_by_keyboard(app)
    select(app, "hello.txt", "docs")
    start = tuple(app.row(app.state(), "plainView", "hello.txt")["centre"])
    drag(xdisplay, start, peer.centre, started=lambda: app.state()["dragging"],
         arrived=lambda: peer.state()["entered"] > 0)
    drops = peer.wait(lambda s: s["drops"], "the drop")
    assert sorted(drops[0]["names"]) == ["docs", "hello.txt"]
    assert (desktop / "hello.txt").read_bytes() == b"hello"
    assert (desktop / "docs" / "report.txt").read_bytes() == DEMO_FILES["docs/report.txt"]
    assert (desktop / "docs" / "deep").is_dir()
    # The drop carried copies from the app's private (0700) temp folder, nothing else.
    temps = list(app.tmpdir.iterdir())
    assert len(temps) == 1 and temps[0].stat().st_mode & 0o777 == 0o700
    assert all(Path(p).is_relative_to(temps[0]) for p in drops[0]["from"])
    app.wait(lambda s: not s["dragging"], "the drag to end")
    app.activate()
    app.key("ctrl+l")  # lock: the decrypted copies go
    app.wait(lambda s: not app.rows(s, "plainView"), "the vault locked")
    assert list(app.tmpdir.iterdir()) == []
    assert app.quit() == 0


def test_drag_out_released_before_decrypted_starts_no_stray_drag(
        start_app: StartApp, tmp_path: Path, xdisplay: XDisplay,
        target: tuple[XPeer, Path]) -> None:
    peer, desktop = target
    vault = make_vault(tmp_path / "vault", {**DEMO_FILES, "big.bin": BIG})
    read_gate = tmp_path / "read-gate"
    read_gate.touch()
    app = start_app(f"gated://{vault}", env=gated_storage(read_gate=read_gate))
    unlock_by_keyboard(app)
    # Selected by keyboard search: a click, then the press of the drag, is a double-click.
    app.type("big")
    app.wait(lambda s: (r := app.row(s, "plainView", "big.bin")) and r["selected"],
             "big.bin selected")
    x, y = app.row(app.state(), "plainView", "big.bin")["centre"]
    # Press, drag a little, release: all before the decryption (held at the gate) ends.
    drag(xdisplay, (x, y), (x + 40, y + 10),
         started=lambda: "Decrypting big.bin" in app.status(app.state()),
         arrived=lambda: True)
    app.check_alive()
    read_gate.unlink()
    app.wait(lambda s: "drag it again" in app.status(s), "the copy to be ready")
    assert not app.state()["dragging"]
    # The next click, on the other program, drops nothing there.
    app.click(*peer.centre)
    # Dragged again, with the button down: it starts at once and drops the file.
    app.activate()
    drag(xdisplay, (x, y), peer.centre, started=lambda: app.state()["dragging"],
         arrived=lambda: peer.state()["entered"] > 0)
    drops = peer.wait(lambda s: s["drops"], "the drop")
    assert [d["names"] for d in drops] == [["big.bin"]]
    assert (desktop / "big.bin").read_bytes() == BIG
    assert app.quit() == 0
