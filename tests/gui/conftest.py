"""Fixtures for the GUI tests: real local vaults, a temp settings file, a main window.

Every fixture that starts workers waits for them in teardown, so no thread outlives a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import DEMO_FILES, make_vault

from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.settings import Settings


@pytest.fixture
def vault_path(tmp_path: Path) -> str:
    return make_vault(tmp_path / "vault", DEMO_FILES)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings: Settings) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    yield win
    win.shutdown()
