"""Longest GUI event-loop stall during a big upload and while listing a huge folder (by hand).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_stall.py [--upload-mib 1024]
        [--entries 10000] [--data /tmp/vaultui-gui-stall]

A QTimer fires every 5 ms on the GUI thread; a stall is how late a tick comes. Target: the
longest stall stays at or under 50 ms in both scenarios (the app feels frozen past ~100 ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui.app import freeze_startup_heap
from vaultui.gui.core.gcpolicy import GuiThreadCollector
from vaultui.gui.core.qt import QApplication, QEventLoop, QTimer
from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState

PASSPHRASE = "gui stall benchmark"
TICK_MS = 5
TARGET_MS = 50.0


class StallMeter:
    """Records how late each 5 ms tick of a GUI-thread timer comes."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self.ticks = 0
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self._last) * 1000 - TICK_MS)
        self._last = now
        self.ticks += 1

    def start(self) -> None:
        self.worst, self.ticks, self._last = 0.0, 0, time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def run_until(condition: Callable[[], bool], timeout_s: float) -> None:
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    check = QTimer()

    def poll() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(poll)
    check.start(20)
    loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError("the scenario did not finish in time")


def make_vault(data: Path, entries: int) -> str:
    folder = data / "vault"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    VaultLocation.from_url(str(folder)).create(PASSPHRASE, scrypt_cost=1 << 10)
    fs = VaultFileSystem(str(folder), passphrase=PASSPHRASE)
    fs.makedirs("big")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: fs.pipe_file(f"big/file-{n:05d}.txt", b"x"), range(entries)))
    return str(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload-mib", type=int, default=1024)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--data", default="/tmp/vaultui-gui-stall")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    print(f"platform {os.environ['QT_QPA_PLATFORM']}; building a vault with "
          f"{args.entries} entries in one folder …", flush=True)
    vault_path = make_vault(data, args.entries)
    big = data / "upload.bin"
    if not big.exists() or big.stat().st_size != args.upload_mib << 20:
        with open(big, "wb") as f:
            for _ in range(args.upload_mib):
                f.write(os.urandom(1 << 20))

    app = QApplication(sys.argv[:1])
    GuiThreadCollector(app).start()  # as the app does, before any worker starts
    window = MainWindow(Settings(data / "settings.ini"))
    window.show()
    freeze_startup_heap()  # as the app does before its event loop
    vault = window.add_vault(vault_path)
    run_until(lambda: vault.state is VaultState.LOCKED, 30)
    vault.unlock(PASSPHRASE)
    run_until(lambda: vault.state is VaultState.UNLOCKED, 30)
    pane = window.current_pane()
    assert pane is not None
    run_until(lambda: pane.plain.model.rowCount() >= 1 and not pane.plain.model.busy, 30)
    meter = StallMeter()
    results: list[tuple[str, float, float]] = []

    meter.start()
    started = time.perf_counter()
    pane.plain.navigate("big")
    view = pane.plain.view
    run_until(lambda: pane.plain.model.rowCount(view.rootIndex()) == args.entries, 300)
    run_until(lambda: time.perf_counter() - started > 0, 1)
    app.processEvents()
    results.append((f"list {args.entries} entries", meter.stop(),
                    time.perf_counter() - started))

    meter.start()
    started = time.perf_counter()
    transfer = pane.transfers.upload(pane.fs, str(big), "")
    run_until(lambda: not transfer.active, 3600)
    results.append((f"upload {args.upload_mib} MiB ({transfer.status.value})", meter.stop(),
                    time.perf_counter() - started))

    window.shutdown()
    window.close()
    print("\n| scenario | longest stall | took |\n|---|---|---|")
    for name, worst, took in results:
        flag = "" if worst <= TARGET_MS else " (over target)"
        print(f"| {name} | {worst:.1f} ms{flag} | {took:.1f} s |")
    del app
    return 0 if all(w <= TARGET_MS for _, w, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
