"""Fixtures for the GUI tests: real local vaults, a temp settings file, a main window.

Every fixture that starts workers waits for them in teardown, so no thread outlives a test.
A Qt warning or critical message fails the test that caused it (as in qutebrowser).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guihelpers import DEMO_FILES, make_vault, unlock

from vaultui.gui.editprompts import UnsavedChoice
from vaultui.gui.gcpolicy import GuiThreadCollector
from vaultui.gui.keychain import Keychain
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.pane import VaultPane
from vaultui.gui.qt import QtMsgType, qInstallMessageHandler
from vaultui.gui.settings import Settings
from vaultui.secrets import MemoryKeyStore

#: Qt messages that are not our bugs. Each needs a reason.
BENIGN_QT_MESSAGES: list[re.Pattern[str]] = [
    # The offscreen platform has no window manager to honour size hints or focus requests.
    re.compile(r"^This plugin does not support (propagateSizeHints|raise|grabbing)"),
]

_FAILING = {QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg}


@pytest.fixture(autouse=True)
def fail_on_qt_warnings() -> Iterator[list[str]]:
    """Collect Qt's warnings during the test and fail it if any is not allow-listed."""
    caught: list[str] = []

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        if kind in _FAILING and not any(p.search(message) for p in BENIGN_QT_MESSAGES):
            caught.append(f"{kind.name}: {message}")
        if previous is not None:
            previous(kind, context, message)

    previous = qInstallMessageHandler(handler)
    try:
        yield caught
    finally:
        qInstallMessageHandler(previous)
    if caught:
        pytest.fail("Qt warned during the test:\n" + "\n".join(caught), pytrace=False)


@pytest.fixture(autouse=True)
def gui_thread_collector(qapp: Any) -> Iterator[GuiThreadCollector]:
    """Garbage collection on the GUI thread, as in the app; each test ends with a full one,
    so no Qt object a test left in a cycle is freed later by some worker thread."""
    collector = GuiThreadCollector(qapp)
    collector.start()
    yield collector
    collector.stop()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's temp folder, per test: decrypted copies, and what start-up cleans up after
    a crash, stay within the test (other runs' folders in /tmp are not the test's). The
    user's XDG default applications are none."""
    folder = tmp_path / "app-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    # No default applications of the machine's user: opening a copy calls open_url.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-config-dirs"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return folder


@pytest.fixture
def vault_path(tmp_path: Path) -> str:
    return make_vault(tmp_path / "vault", DEMO_FILES)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings: Settings) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    # A test that ends with an opened copy still edited must not hang on the question.
    win.ask_unsaved = lambda action, names: UnsavedChoice.DISCARD
    qtbot.addWidget(win)
    yield win
    win.shutdown()


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def win(qtbot, settings: Settings, store: MemoryKeyStore) -> Iterator[MainWindow]:
    """A main window whose keychain lives in memory (the keyring tests cover the OS one)."""
    w = MainWindow(settings, keychain=Keychain(lambda: store))
    w.ask_unsaved = lambda action, names: UnsavedChoice.DISCARD
    qtbot.addWidget(w)
    yield w
    w.shutdown()


@pytest.fixture
def pane(qtbot, window: MainWindow, vault_path: str) -> Iterator[VaultPane]:
    """The demo vault, unlocked in `window`, its three top-level entries listed."""
    vault = window.add_vault(vault_path)
    unlock(qtbot, vault)
    p = window.current_pane()
    assert p is not None
    qtbot.waitUntil(lambda: p.plain.model.rowCount() == 3, timeout=5000)
    yield p
