"""Editing an opened file on a real X display: the edit reaches the vault, a conflicting
edit keeps both, locking with an edit not yet in the vault asks, and after a kill -9 the
next start removes the copies left behind but offers the edit.

The default application for text is a test script, installed as a user would (a .desktop
file and `xdg-mime default`'s mimeapps.list in private XDG dirs): it appends a line to the
file it is given and saves. The vault is read back with `vaultui-cli cat`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import PASSPHRASE
from realsteps import main_window_shown, unlock_by_keyboard
from xharness import RealApp, StartApp, gated_storage, poll

from vaultui.fs.filesystem import VaultFileSystem

LINE = b"appended by the editor\n"


def cli_cat(vault: str, path: str) -> bytes:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("vaultui-cli")), "cat", vault, path],
        env={**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE},
        capture_output=True, timeout=60, check=False)
    return done.stdout if done.returncode == 0 else b""


@pytest.fixture
def go(tmp_path: Path) -> Iterator[Path]:
    """While this file is missing the editor waits before it saves."""
    path = tmp_path / "go"
    yield path
    path.touch()


def editor_env(tmp_path: Path, go: Path | None = None) -> dict[str, str]:
    data, config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    (data / "applications").mkdir(parents=True, exist_ok=True)
    config.mkdir(exist_ok=True)
    editor = tmp_path / "append-line"
    wait = f'while [ ! -e "{go}" ]; do sleep 0.05; done\n' if go else ""
    editor.write_text(f"#!/bin/sh\n{wait}printf 'appended by the editor\\n' >> \"$1\"\n")
    editor.chmod(0o755)
    (data / "applications" / "test-editor.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Test editor\n"
        f"Exec={editor} %f\nMimeType=text/plain;\n")
    (config / "mimeapps.list").write_text(
        "[Default Applications]\ntext/plain=test-editor.desktop\n")
    return {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(config),
            "XDG_CONFIG_DIRS": str(tmp_path / "none"), "XDG_DATA_DIRS": "/usr/share"}


def double_click(app: RealApp, name: str) -> None:
    x, y = app.wait(lambda s: (r := app.row(s, "plainView", name)) and r["visible"]
                    and r["centre"], f"row {name!r}")
    app.click(x, y, repeat=2)


def test_an_edit_in_the_default_application_reaches_the_vault(
        start_app: StartApp, demo_vault: str, tmp_path: Path) -> None:
    app = start_app(demo_vault, env=editor_env(tmp_path))
    unlock_by_keyboard(app)
    double_click(app, "hello.txt")
    app.wait(lambda s: "Saved your edit" in app.status(s), "the edit saved in the vault")
    assert cli_cat(demo_vault, "hello.txt") == b"hello" + LINE


def test_a_conflicting_edit_keeps_both(start_app: StartApp, demo_vault: str,
                                       tmp_path: Path, go: Path) -> None:
    app = start_app(demo_vault, env=editor_env(tmp_path, go))
    unlock_by_keyboard(app)
    double_click(app, "hello.txt")
    poll(lambda: list(app.tmpdir.glob("vaultui-open-*/copy-*/hello.txt")), "the copy")
    VaultFileSystem(demo_vault, passphrase=PASSPHRASE).pipe_file("hello.txt", b"elsewhere")
    go.touch()
    app.wait(lambda s: "changed in the vault while you edited it" in app.status(s),
             "the conflict reported")
    assert cli_cat(demo_vault, "hello.txt") == b"elsewhere"
    assert cli_cat(demo_vault, "hello (2).txt") == b"hello" + LINE


def test_lock_with_an_edit_not_yet_in_the_vault_asks(
        start_app: StartApp, demo_vault: str, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.touch()  # the vault's storage writes wait: the edit cannot be in it yet
    try:
        app = start_app(f"gated://{demo_vault}",
                        env={**editor_env(tmp_path), **gated_storage(gate)})
        unlock_by_keyboard(app)
        double_click(app, "hello.txt")
        poll(lambda: any(p.read_bytes().endswith(LINE) for p in
                         app.tmpdir.glob("vaultui-open-*/copy-*/hello.txt")), "the edit")
        app.activate()
        app.key("ctrl+l")
        app.wait(lambda s: app.window(s, "Edits not saved in the vault"), "the question")
        app.click_button("Edits not saved in the vault", "Save and lock")
    finally:
        gate.unlink(missing_ok=True)
    app.wait(lambda s: not app.rows(s, "plainView"), "the vault locked")
    assert cli_cat(demo_vault, "hello.txt") == b"hello" + LINE


def test_after_kill_9_the_next_start_removes_the_copies_and_offers_the_edit(
        start_app: StartApp, demo_vault: str, tmp_path: Path) -> None:
    """The app killed with two opened copies, one edited but not in the vault yet (its
    storage's writes held): the next start deletes the other, and offers the edit."""
    gate = tmp_path / "gate"
    gate.touch()
    env = editor_env(tmp_path)
    (tmp_path / "append-line").write_text(  # edits hello.txt only
        "#!/bin/sh\ncase \"$1\" in *hello.txt) printf 'appended by the editor\\n' >> \"$1\";; "
        "esac\n")
    try:
        app = start_app(f"gated://{demo_vault}", env={**env, **gated_storage(gate)})
        unlock_by_keyboard(app)
        double_click(app, "hello.txt")
        app.wait(lambda s: app.row(s, "plainView", "docs"), "the folder row")
        double_click(app, "docs")
        double_click(app, "report.txt")
        def both() -> list[Path] | None:
            found = sorted(app.tmpdir.glob("vaultui-open-*/copy-*/*.txt"), key=lambda p: p.name)
            return found if len(found) == 2 else None

        copies = poll(both, "both copies")  # hello.txt, report.txt
        poll(lambda: copies[0].read_bytes().endswith(LINE), "the edit")
        app.kill()
        app.wait_exit()
    finally:
        gate.unlink(missing_ok=True)
    assert all(c.exists() for c in copies)
    # The same vault location (what the kept edit is filed under), its gate open now, and
    # the same temp folder: a restart of the same user's app.
    again = start_app(f"gated://{demo_vault}", env={**env, **gated_storage(gate),
                                                   "TMPDIR": str(app.tmpdir)})
    main_window_shown(again)
    assert not copies[1].exists()  # report.txt, untouched: gone at start
    assert copies[0].exists()  # hello.txt, edited: kept
    again.key("ctrl+u")
    again.wait_focus_in("Unlock vault")
    again.type(PASSPHRASE)
    again.key("Return")
    again.wait(lambda s: again.window(s, "Edits from an earlier session"), "the offer")
    again.click_button("Edits from an earlier session", "Save in vault")
    again.wait(lambda s: "Saved your edit" in again.status(s), "the edit saved")
    assert cli_cat(demo_vault, "hello.txt") == b"hello" + LINE
    assert cli_cat(demo_vault, "docs/report.txt") == b"r" * 5000
