"""Opened files in the app: edits saved back as transfers, conflicts kept, lock and quit ask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from guihelpers import DEMO_FILES, PASSPHRASE, make_vault, unlock

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.editprompts import UnsavedChoice
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.pane import VaultPane
from vaultui.gui.transfers import Direction, Status
from vaultui.gui.vaultstate import VaultState
from vaultui.tasks.privatedir import PREFIX


def cli_cat(vault: str, path: str) -> bytes:
    """What `vaultui-cli cat` reads from the vault: the user's own way to check."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("vaultui-cli")), "cat", vault, path],
        env={**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE},
        capture_output=True, timeout=60, check=True)
    return done.stdout


def open_copy(qtbot, pane: VaultPane, path: str) -> str:
    """Open `path` as a double-click does; the copy's local path once it is handed out."""
    launched: list[str] = []
    pane.open_item(path, launched.append)
    qtbot.waitUntil(lambda: bool(launched), timeout=10_000)
    return launched[0]


def save_by_rename(path: str, data: bytes) -> None:
    Path(path + ".tmp~").write_bytes(data)
    os.replace(path + ".tmp~", path)


def answering(choice: UnsavedChoice, asked: list[tuple[str, list[str]]]
              ) -> Callable[[str, list[str]], UnsavedChoice]:
    """An answer to the lock or quit question that notes what was asked."""
    def ask(action: str, names: list[str]) -> UnsavedChoice:
        asked.append((action, names))
        return choice
    return ask


def offering(choice: UnsavedChoice, offered: list[list[str]]
             ) -> Callable[[list[str]], UnsavedChoice]:
    """An answer to the question about an earlier session's edits, noting what was offered."""
    def ask(names: list[str]) -> UnsavedChoice:
        offered.append(names)
        return choice
    return ask


def edited_rows(pane: VaultPane) -> list[str]:
    return [t.label for t in pane.transfers.transfers
            if t.direction is Direction.UPLOAD and t.label.endswith("(edited)")]


def wait_saved(qtbot, pane: VaultPane, count: int = 1) -> None:
    qtbot.waitUntil(lambda: len([t for t in pane.transfers.transfers
                                 if t.label.endswith("(edited)")
                                 and t.status is Status.DONE]) >= count, timeout=15_000)


def test_a_saved_edit_goes_into_the_vault_as_a_transfer(
        qtbot, window: MainWindow, pane: VaultPane, vault_path: str) -> None:
    local = open_copy(qtbot, pane, "docs/report.txt")
    assert Path(local).read_bytes() == b"r" * 5000
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000) as saved:
        save_by_rename(local, b"r" * 5000 + b"\none more line\n")
    assert not saved.args[0].conflict
    assert edited_rows(pane) == ["report.txt (edited)"]
    assert cli_cat(vault_path, "docs/report.txt") == b"r" * 5000 + b"\none more line\n"
    assert "Saved your edit" in window.statusBar().currentMessage()
    # An in-place save later goes the same way.
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000), open(local, "ab") as f:
        f.write(b"and another\n")
    assert cli_cat(vault_path, "docs/report.txt").endswith(b"and another\n")
    assert pane.edits.unsaved() == []


def test_an_edit_of_a_file_changed_meanwhile_keeps_both(
        qtbot, window: MainWindow, pane: VaultPane, vault_path: str) -> None:
    local = open_copy(qtbot, pane, "hello.txt")
    other = VaultFileSystem(vault_path, passphrase=PASSPHRASE)  # another device
    other.pipe_file("hello.txt", b"hello from elsewhere")
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000) as saved:
        save_by_rename(local, b"hello from here")
    result = saved.args[0]
    assert result.conflict and result.vault_path == "hello (2).txt"
    assert cli_cat(vault_path, "hello.txt") == b"hello from elsewhere"
    assert cli_cat(vault_path, "hello (2).txt") == b"hello from here"
    message = window.statusBar().currentMessage()
    assert "changed in the vault while you edited it" in message
    assert "hello (2).txt" in message
    qtbot.waitUntil(lambda: "hello (2).txt" in [
        pane.plain.model.index(r, 0, pane.plain.view.rootIndex()).data()
        for r in range(pane.plain.model.rowCount(pane.plain.view.rootIndex()))],
        timeout=10_000)


def edit_without_saving_back(qtbot, pane: VaultPane, path: str, data: bytes) -> str:
    """An edit the app has not saved in the vault yet (the watcher is paused)."""
    local = open_copy(qtbot, pane, path)
    pane.edits.watcher.blockSignals(True)
    pane.edits._poll.stop()
    save_by_rename(local, data)
    qtbot.waitUntil(lambda: len(pane.edits.unsaved()) == 1, timeout=5000)
    return local


def test_lock_with_an_unsaved_edit_asks_and_cancel_keeps_it_open(
        qtbot, window: MainWindow, pane: VaultPane) -> None:
    edit_without_saving_back(qtbot, pane, "hello.txt", b"edited")
    asked: list[tuple[str, list[str]]] = []
    window.ask_unsaved = answering(UnsavedChoice.CANCEL, asked)
    window.lock_current()
    assert asked == [("lock", ["hello.txt"])]
    assert pane.vault.state is VaultState.UNLOCKED


def test_a_look_for_edits_that_ends_after_the_lock_starts_nothing(
        qtbot, window: MainWindow, pane: VaultPane) -> None:
    edit_without_saving_back(qtbot, pane, "hello.txt", b"edited")
    pane.edits.check()
    pane.close_down()  # as a lock does (keeping the edit); the check's answer comes after
    qtbot.waitUntil(lambda: not pane.edits.checking, timeout=5000)
    assert edited_rows(pane) == []


def test_lock_can_save_the_edit_first(qtbot, window: MainWindow, pane: VaultPane,
                                      vault_path: str, private_tempdir: Path) -> None:
    edit_without_saving_back(qtbot, pane, "hello.txt", b"edited before the lock")
    window.ask_unsaved = lambda action, names: UnsavedChoice.SAVE
    vault = pane.vault
    window.lock_current()
    qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=15_000)
    assert cli_cat(vault_path, "hello.txt") == b"edited before the lock"
    assert list(private_tempdir.iterdir()) == []


def test_lock_can_discard_the_edit(qtbot, window: MainWindow, pane: VaultPane,
                                   vault_path: str, private_tempdir: Path) -> None:
    edit_without_saving_back(qtbot, pane, "hello.txt", b"not wanted")
    window.ask_unsaved = lambda action, names: UnsavedChoice.DISCARD
    window.lock_current()
    assert pane.vault.state is VaultState.LOCKED
    assert cli_cat(vault_path, "hello.txt") == b"hello"
    assert list(private_tempdir.iterdir()) == []


def test_quit_with_an_unsaved_edit_asks_and_saves(
        qtbot, window: MainWindow, pane: VaultPane, vault_path: str) -> None:
    edit_without_saving_back(qtbot, pane, "docs/report.txt", b"saved on quit")
    window.show()
    asked: list[tuple[str, list[str]]] = []
    window.ask_unsaved = answering(UnsavedChoice.SAVE, asked)
    window.close()
    assert asked == [("quit", ["docs/report.txt"])]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    assert cli_cat(vault_path, "docs/report.txt") == b"saved on quit"


def test_an_automatic_lock_keeps_the_edit_and_the_next_unlock_offers_it(
        qtbot, window: MainWindow, pane: VaultPane, vault_path: str,
        private_tempdir: Path) -> None:
    edit_without_saving_back(qtbot, pane, "hello.txt", b"kept over the lock")
    vault = pane.vault
    window.lock_all()  # what auto-lock does: no question, nothing lost
    assert vault.state is VaultState.LOCKED
    assert cli_cat(vault_path, "hello.txt") == b"hello"
    assert [p.name[:len(PREFIX)] for p in private_tempdir.iterdir()] == [PREFIX]
    offered: list[list[str]] = []
    window.ask_orphans = offering(UnsavedChoice.SAVE, offered)
    unlock(qtbot, vault)
    qtbot.waitUntil(lambda: offered == [["hello.txt"]], timeout=5000)
    again = window.current_pane()
    assert again is not None
    qtbot.waitUntil(lambda: cli_cat(vault_path, "hello.txt") == b"kept over the lock",
                    timeout=15_000)


@pytest.fixture
def default_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test script installed as the default application for text (a .desktop file and
    `xdg-mime default`'s mimeapps.list in private XDG dirs): it appends a line and saves."""
    data, config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    (data / "applications").mkdir(parents=True)
    config.mkdir()
    editor = tmp_path / "append-line"
    editor.write_text("#!/bin/sh\nprintf 'appended by the editor\\n' >> \"$1\"\n")
    editor.chmod(0o755)
    (data / "applications" / "test-editor.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Test editor\n"
        f"Exec={editor} %f\nMimeType=text/plain;\n")
    (data / "applications" / "other.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Another viewer\nExec=true %U\n"
        "MimeType=text/plain;\n")
    (config / "mimeapps.list").write_text(
        "[Default Applications]\ntext/plain=test-editor.desktop\n")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))


def select(qtbot, pane: VaultPane, path: str) -> None:
    pane.plain.select_path(path)
    qtbot.waitUntil(lambda: pane.plain.current_path() == path, timeout=5000)


def test_open_starts_the_default_application_whose_save_reaches_the_vault(
        qtbot, pane: VaultPane, vault_path: str, default_editor: None) -> None:
    pane.open_url = lambda url: pytest.fail("the XDG default was not used")
    select(qtbot, pane, "hello.txt")
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000):
        pane.plain.open_action.trigger()
    assert cli_cat(vault_path, "hello.txt") == b"helloappended by the editor\n"


def test_open_with_lists_the_desktop_applications_defaults_first(
        qtbot, pane: VaultPane, vault_path: str, default_editor: None) -> None:
    select(qtbot, pane, "docs/report.txt")
    menu = pane.plain.open_with_menu(pane)
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Test editor", "Another viewer"]
    assert texts[-1] == "Other program…"
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000):
        menu.actions()[0].trigger()
    assert cli_cat(vault_path, "docs/report.txt") == b"r" * 5000 + b"appended by the editor\n"
    # In the context menu, under Open.
    menu = pane.plain.context_menu()
    assert [a.text() for a in menu.actions()][:2] == ["Open", "Open with"]


def test_open_with_another_program_asks_for_its_command(
        qtbot, pane: VaultPane, vault_path: str, tmp_path: Path) -> None:
    pane.ask_command = lambda name: "sh -c 'printf x >> \"$0\"' %f"
    with qtbot.waitSignal(pane.edits.saved, timeout=15_000):
        pane.open_with("hello.txt", None)
    assert cli_cat(vault_path, "hello.txt") == b"hellox"


_APP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from guihelpers import PASSPHRASE
    from vaultui.gui.mainwindow import MainWindow
    from vaultui.gui.qt import QApplication
    from vaultui.gui.settings import Settings
    from vaultui.gui.vaultstate import VaultState

    app = QApplication([])
    window = MainWindow(Settings({settings!r}))
    vault = window.add_vault({vault!r})
    opened = []

    def step():
        if vault.state is VaultState.LOCKED and not opened:
            opened.append("unlocking")
            vault.unlock(PASSPHRASE)
        pane = window.current_pane()
        if pane is not None and opened == ["unlocking"]:
            opened.append("opening")
            for path in ("hello.txt", "docs/report.txt"):
                pane.open_item(path, lambda local: (opened.append(local),
                                                    print(local, flush=True)))

    from vaultui.gui.qt import QTimer
    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(50)
    app.exec()
""")


def test_after_the_app_is_killed_the_next_start_removes_its_copies(
        qtbot, settings, tmp_path: Path, private_tempdir: Path, store) -> None:
    """kill -9 with two opened copies, one edited: the next start removes the other at
    once, and offers the edit when the vault is unlocked."""
    vault_path = make_vault(tmp_path / "vault", DEMO_FILES)
    env = {**os.environ, "TMPDIR": str(private_tempdir), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, "-c", _APP.format(tests=str(Path(__file__).parent),
                                           settings=str(tmp_path / "app.ini"),
                                           vault=vault_path)],
        env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        copies = sorted((app.stdout.readline().strip() for _ in range(2)),
                        key=lambda c: Path(c).name)
        assert [Path(c).name for c in copies] == ["hello.txt", "report.txt"]
        with open(copies[0], "ab") as f:  # hello.txt: edited, not saved back yet
            f.write(b" (edited before the crash)")
        # A second instance starting now leaves the running one's copies alone.
        other = MainWindow(settings)
        qtbot.addWidget(other)
        assert other.orphans == []
        assert all(Path(c).exists() for c in copies)
        other.shutdown()
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
        if app.stdout is not None:
            app.stdout.close()
    assert all(Path(c).exists() for c in copies)  # nothing cleaned them up
    restarted = MainWindow(settings)
    qtbot.addWidget(restarted)
    try:
        assert not Path(copies[1]).exists()  # untouched: removed at start
        assert Path(copies[0]).exists()  # edited: kept for the user
        assert [o.copy.vault_path for o in restarted.orphans] == ["hello.txt"]
        offered: list[list[str]] = []
        restarted.ask_orphans = offering(UnsavedChoice.SAVE, offered)
        vault = restarted.add_vault(vault_path)
        unlock(qtbot, vault)
        qtbot.waitUntil(lambda: offered == [["hello.txt"]], timeout=5000)
        qtbot.waitUntil(lambda: cli_cat(vault_path, "hello.txt")
                        == b"hello (edited before the crash)", timeout=15_000)
    finally:
        restarted.shutdown()
    assert list(private_tempdir.iterdir()) == []


def test_a_failed_save_back_is_reported_and_kept(qtbot, window: MainWindow,
                                                 pane: VaultPane) -> None:
    local = open_copy(qtbot, pane, "hello.txt")
    pane.fs.rm("docs", recursive=True)
    pane.edits.copies.copies()[0].vault_path = "docs/gone/hello.txt"
    pane.fs.pipe_file("docs", b"a file where a folder was")
    with qtbot.waitSignal(pane.transfers.transferEnded, timeout=15_000):
        save_by_rename(local, b"cannot go there")
    assert "was not saved in the vault" in window.statusBar().currentMessage()
    assert [c.vault_path for c in pane.edits.unsaved()] == ["docs/gone/hello.txt"]
