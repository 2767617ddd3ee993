"""Fixtures for the real-input tests: one X display per session, one app per test.

Every test here gets the ``xdisplay`` marker (``-m "not xdisplay"`` skips them). Without
Xvfb, openbox or xdotool they skip, except under CI=true, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from guihelpers import DEMO_FILES, make_vault
from xharness import RealApp, StartApp, XDisplay, missing_tools

from tests.conftest import unavailable

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker("xdisplay")


@pytest.fixture(scope="session")
def xdisplay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XDisplay]:
    missing = missing_tools()
    if missing:
        unavailable(f"real-input tests need {', '.join(missing)} (run scripts/setup.sh)")
    display = XDisplay.start(tmp_path_factory.mktemp("xdisplay"))
    yield display
    display.stop()


@pytest.fixture
def start_app(xdisplay: XDisplay, tmp_path: Path) -> Iterator[StartApp]:
    """Start the app (``start_app(vault_path)``); whatever is still running is killed after."""
    started: list[RealApp] = []

    def start(*args: str, env: dict[str, str] | None = None) -> RealApp:
        app = RealApp.start(xdisplay, tmp_path / f"app{len(started)}", list(args), env)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()


@pytest.fixture
def demo_vault(tmp_path: Path) -> str:
    return make_vault(tmp_path / "vault", DEMO_FILES)
