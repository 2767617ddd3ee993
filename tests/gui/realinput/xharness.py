"""Drive the real app on a real X display: Xvfb, openbox, xdotool, and the app's state file.

    display = XDisplay.start(tmp)            # Xvfb -displayfd (a free display) + openbox
    app = RealApp.start(display, tmp, [vault])  # python -X faulthandler -m vaultui.gui ...
    app.wait(lambda s: app.window_named("vaultui") is not None, "the main window")
    app.key("ctrl+u"); app.type("passphrase"); app.key("Return")
    app.click_row("plainView", "hello.txt")
    app.quit()                               # Ctrl+Q; the exit status

Keys and clicks are XTEST events from xdotool, the same path a keyboard and mouse take, into
the window that has the focus. The app writes what it shows to a JSON file (see
vaultui/gui/core/statedump.py); :meth:`RealApp.wait` polls it, never a fixed sleep.
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

State = dict[str, Any]

#: The tools the harness needs; scripts/setup.sh installs them.
TOOLS = ("Xvfb", "openbox", "xdotool", "xprop", "import")

SCREEN = "1400x900x24"


def gated_storage(gate: Path | None = None, read_gate: Path | None = None) -> dict[str, str]:
    """Environment for RealApp.start that gives the app ``gated://`` vault locations: local
    folders whose writes wait while `gate` exists, and reads past a file's first MiB while
    `read_gate` does (see gated/sitecustomize.py)."""
    return {"PYTHONPATH": str(Path(__file__).with_name("gated")),
            "XHARNESS_GATE": str(gate or ""), "XHARNESS_READ_GATE": str(read_gate or "")}


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def poll(condition: Callable[[], Any], what: str, timeout_s: float = 20,
         check: Callable[[], None] | None = None) -> Any:
    """`condition()`'s first truthy value, polled every 20 ms; `check` may raise meanwhile."""
    deadline = time.monotonic() + timeout_s
    while True:
        if check is not None:
            check()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class XDisplay:
    """An Xvfb server on a display it chose itself, with openbox managing its windows."""

    number: int
    xvfb: subprocess.Popen[bytes]
    wm: subprocess.Popen[bytes]
    workdir: Path

    @classmethod
    def start(cls, workdir: Path) -> XDisplay:
        workdir.mkdir(parents=True, exist_ok=True)
        read_end, write_end = os.pipe()
        # -displayfd: Xvfb picks a free display and writes its number once it is ready, so
        # parallel sessions never race for a fixed number.
        with (workdir / "xvfb.log").open("wb") as log:
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten",
                 "tcp", "-noreset"], pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                stderr=log)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            line = pipe.readline().strip()
        if not line:
            xvfb.kill()
            xvfb.wait()
            raise RuntimeError(f"Xvfb did not start: {(workdir / 'xvfb.log').read_text()}")
        number = int(line)
        env = {**os.environ, "DISPLAY": f":{number}"}
        with (workdir / "openbox.log").open("wb") as log:
            wm = subprocess.Popen(["openbox", "--sm-disable"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
        display = cls(number, xvfb, wm, workdir)
        # openbox is managing once it has set the EWMH check window on the root.
        poll(lambda: "window id" in display.run("xprop", "-root",
                                                "_NET_SUPPORTING_WM_CHECK", check=False),
             "openbox to manage the display")
        return display

    @property
    def name(self) -> str:
        return f":{self.number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def run(self, *argv: str, check: bool = True) -> str:
        done = subprocess.run(argv, env=self.env(), capture_output=True, text=True,
                              timeout=30, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def xdotool(self, *args: str | int) -> str:
        return self.run("xdotool", *(str(a) for a in args))

    def screenshot(self, path: Path) -> Path:
        """The whole screen as a PNG (look at it when a test fails)."""
        self.run("import", "-window", "root", str(path))
        return path

    def stop(self) -> None:
        for process in (self.wm, self.xvfb):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class AppCrashedError(AssertionError):
    """The app exited while a test still drove it."""


@dataclass
class RealApp:
    """The desktop app (``python -m vaultui.gui``) in a subprocess on `display`."""

    display: XDisplay
    process: subprocess.Popen[bytes]
    workdir: Path
    state_file: Path
    tmpdir: Path
    shots: list[Path] = field(default_factory=list)

    @classmethod
    def start(cls, display: XDisplay, workdir: Path, args: list[str],
              env: dict[str, str] | None = None) -> RealApp:
        """Start the app with its own settings file and TMPDIR (where decrypted copies go)."""
        workdir.mkdir(parents=True, exist_ok=True)
        tmpdir = workdir / "tmp"
        tmpdir.mkdir(exist_ok=True)
        state_file = workdir / "state.json"
        full_env = {**display.env(), "QT_QPA_PLATFORM": "xcb", "TMPDIR": str(tmpdir),
                    "VAULTUI_STATE_FILE": str(state_file), **(env or {})}
        full_env.pop("QT_QPA_PLATFORMTHEME", None)
        # XHARNESS_WRAPPER runs the app under a debugger, e.g. "gdb -batch -ex run -ex bt --args".
        argv = [*shlex.split(os.environ.get("XHARNESS_WRAPPER", "")),
                sys.executable, "-X", "faulthandler", "-m", "vaultui.gui",
                "--settings", str(workdir / "settings.ini"), *args]
        with (workdir / "app.log").open("wb") as log:
            process = subprocess.Popen(argv, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        return cls(display, process, workdir, state_file, tmpdir)

    # -- what the app shows -------------------------------------------------------------

    def log(self) -> str:
        return (self.workdir / "app.log").read_text(errors="replace")

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise AppCrashedError(f"the app exited with {code}:\n{self.log()}")

    def state(self) -> State:
        try:
            loaded = json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {"windows": [], "focus": None, "modal": None}
        assert isinstance(loaded, dict)
        return loaded

    def wait(self, condition: Callable[[State], Any], what: str, timeout_s: float = 20) -> Any:
        """Poll the app's state until `condition` gives something truthy; fail on a crash."""
        try:
            return poll(lambda: condition(self.state()), what, timeout_s, self.check_alive)
        except TimeoutError as exc:
            self.screenshot("timeout")
            raise TimeoutError(f"{exc}\nlast state: {json.dumps(self.state(), indent=1)}"
                               f"\napp log:\n{self.log()}") from None

    def wait_focus_in(self, title: str) -> None:
        """Wait until the keyboard focus is in the window titled `title` (shown is not
        enough: the window manager gives a new window the focus a little later, and keys
        typed before that go elsewhere)."""
        self.wait(lambda s: s["focus"] and s["focus"]["window"] == title,
                  f"the keyboard focus in {title!r}")

    def window(self, state: State, title: str) -> State | None:
        """The shown top-level window whose title starts with `title`."""
        return next((w for w in state["windows"] if w["title"].startswith(title)), None)

    def widget(self, state: State, name: str) -> State | None:
        """The named widget (its objectName), in whichever window shows it."""
        for window in state["windows"]:
            if name in window["named"]:
                found: State = window["named"][name]
                return found
        return None

    def rows(self, state: State, view: str) -> list[State]:
        found = self.widget(state, view)
        return list(found["rows"]) if found else []

    def row(self, state: State, view: str, name: str) -> State | None:
        return next((r for r in self.rows(state, view) if r["name"] == name), None)

    def status(self, state: State) -> str:
        main = self.window(state, "vaultui")
        return str(main["status"]) if main else ""

    # -- input ---------------------------------------------------------------------------

    def activate(self, title: str = "vaultui") -> None:
        """Give the X input focus to our window named `title` (as a click on it would)."""
        found = self.display.xdotool("search", "--sync", "--onlyvisible", "--pid",
                                     self.process.pid, "--name", f"^{title}").split()
        self.display.xdotool("windowactivate", "--sync", found[0])

    def key(self, *keys: str) -> None:
        self.check_alive()
        self.display.xdotool("key", "--clearmodifiers", "--delay", 30, *keys)

    def type(self, text: str) -> None:
        self.check_alive()
        self.display.xdotool("type", "--clearmodifiers", "--delay", 20, text)

    def move(self, x: int, y: int) -> None:
        # No --sync: it waits for the pointer to move, forever when it is there already;
        # the server handles this motion before any later button event anyway.
        self.display.xdotool("mousemove", x, y)

    def click(self, x: int, y: int, button: int = 1, repeat: int = 1) -> None:
        self.check_alive()
        self.move(x, y)
        self.display.xdotool("click", "--repeat", repeat, "--delay", 60, button)

    def click_button(self, window_title: str, text: str) -> None:
        """Click the push button labelled `text` in the window titled `window_title`."""
        def found(state: State) -> list[int] | None:
            window = self.window(state, window_title)
            return window["buttons"].get(text) if window else None

        x, y = self.wait(found, f"button {text!r} in {window_title!r}")
        self.click(x, y)

    def click_row(self, view: str, name: str) -> None:
        x, y = self.wait(lambda s: (r := self.row(s, view, name)) and r["visible"]
                         and r["centre"], f"row {name!r} in {view}")
        self.click(x, y)

    def screenshot(self, label: str) -> Path:
        path = self.workdir / f"shot-{len(self.shots):02d}-{label}.png"
        self.shots.append(self.display.screenshot(path))
        return path

    # -- ending ----------------------------------------------------------------------------

    def quit(self, timeout_s: float = 20) -> int:
        """Ctrl+Q in the main window, as a user quits; the app's exit status."""
        self.activate()
        self.key("ctrl+q")
        return self.wait_exit(timeout_s)

    def wait_exit(self, timeout_s: float = 20) -> int:
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.screenshot("no-exit")
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


#: the `start_app` fixture: ``start_app(*app_args, env=None)`` gives a started RealApp
StartApp = Callable[..., RealApp]


@dataclass
class XPeer:
    """xpeer.py in a subprocess: a drag source of local files or a drop target (a folder)."""

    display: XDisplay
    process: subprocess.Popen[bytes]
    state_file: Path
    log_file: Path

    @classmethod
    def start(cls, display: XDisplay, workdir: Path, mode: str, *args: str) -> XPeer:
        workdir.mkdir(parents=True, exist_ok=True)
        state_file = workdir / f"peer-{mode}.json"
        log_file = workdir / f"peer-{mode}.log"
        env = {**display.env(), "QT_QPA_PLATFORM": "xcb"}
        script = Path(__file__).with_name("xpeer.py")
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-X", "faulthandler", str(script), mode, str(state_file),
                 *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        peer = cls(display, process, state_file, log_file)
        peer.wait(lambda s: s.get("shown"), f"the {mode} window")
        return peer

    def state(self) -> State:
        try:
            loaded = json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        assert isinstance(loaded, dict)
        return loaded

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise AppCrashedError(f"xpeer exited with {code}:\n{self.log_file.read_text()}")

    def wait(self, condition: Callable[[State], Any], what: str, timeout_s: float = 20) -> Any:
        return poll(lambda: condition(self.state()), what, timeout_s, self.check_alive)

    @property
    def centre(self) -> tuple[int, int]:
        x, y = self.state()["centre"]
        return int(x), int(y)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def drag(display: XDisplay, start: tuple[int, int], end: tuple[int, int],
         started: Callable[[], Any], arrived: Callable[[], Any], release: bool = True) -> None:
    """Press at `start`, move until `started()` (the source began its drag), go to `end` in
    steps until `arrived()` (the target took the drag), release there (unless not `release`).
    """
    wiggle = itertools.cycle((0, 1, 2, 1))

    def nudge_until(x: int, y: int, condition: Callable[[], Any], what: str) -> None:
        # Drag loops and XDND answer to motion: keep moving a little until they did.
        def moved() -> Any:
            display.xdotool("mousemove", x + next(wiggle), y)
            return condition()
        poll(moved, what)

    display.xdotool("mousemove", *start)
    display.xdotool("mousedown", 1)
    nudge_until(start[0] + 12, start[1] + 6, started, "the drag to start")
    steps = 8
    for step in range(1, steps + 1):
        display.xdotool("mousemove", start[0] + (end[0] - start[0]) * step // steps,
                        start[1] + (end[1] - start[1]) * step // steps)
    nudge_until(end[0], end[1], arrived, "the drop target to take the drag")
    if release:
        display.xdotool("mouseup", 1)
