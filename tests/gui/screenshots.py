"""Screenshots of the main window with a demo vault, for looking at and for the README.

Run under Xvfb (real xcb windows):
    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/gui/screenshots.py screenshots
Builds a demo vault, unlocks it, selects a file (its counterpart is selected in the encrypted
view), starts an upload held at about a third, and saves PNGs into the given folder:
locked, main-window, plaintext, encrypted (counterpart selected) and transfers.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from vaultui.demo import DEMO_PASSPHRASE, create_demo_vault
from vaultui.gui.core.qt import QApplication, QEventLoop, QTimer
from vaultui.gui.core.settings import Settings
from vaultui.gui.core.worker import JobContext
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.transfers import jobs as transfers_module
from vaultui.gui.vaults.state import VaultState
from vaultui.tasks import Progress, ProgressCallback


def wait(app: QApplication, condition: Callable[[], bool], timeout_ms: int = 15_000) -> None:
    """Run the event loop until `condition` holds (checked every 50 ms) or the time is up."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_ms / 1000

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(50)
    loop.exec()
    timer.stop()


def pause(app: QApplication, ms: int) -> None:
    end = time.monotonic() + ms / 1000
    wait(app, lambda: time.monotonic() > end, ms + 1000)


def main(outdir: str) -> int:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vaultui-shots-"))
    app = QApplication(sys.argv[:1])
    window = MainWindow(Settings(work / "settings.ini"))
    window.resize(1360, 820)
    vault = window.add_vault(create_demo_vault(str(work)))
    window.show()
    wait(app, lambda: vault.state is VaultState.LOCKED)
    window.grab().save(str(out / "locked.png"))
    vault.unlock(DEMO_PASSPHRASE)
    wait(app, lambda: vault.state is VaultState.UNLOCKED)
    pane = window.current_pane()
    assert pane is not None
    wait(app, lambda: pane.plain.model.rowCount() >= 4 and pane.cipher.model.rowCount() >= 3)
    pane.splitter.setSizes([680, 680])
    window.centre.setSizes([560, 200])

    # An upload held part-way, so the transfers panel shows one in progress.
    gate = threading.Event()
    original = transfers_module.progress_reporter

    def held(ctx: JobContext) -> ProgressCallback:
        report = original(ctx)

        def hold(progress: Progress) -> None:
            report(progress)
            if progress.bytes_done >= 4 * 1024 * 1024:
                gate.wait(30)
        return hold

    transfers_module.progress_reporter = held
    big = work / "Holiday video.mp4"
    big.write_bytes(os.urandom(12 * 1024 * 1024))
    done_file = work / "notes.md"
    done_file.write_text("# Notes\n" * 100)
    pane.drop_files([str(done_file)], "Documents")
    wait(app, lambda: bool(pane.transfers.transfers)
         and not pane.transfers.transfers[0].active)
    pane.drop_files([str(big)], "Photos")
    wait(app, lambda: len(pane.transfers.transfers) == 2
         and pane.transfers.transfers[1].done > 0)

    pane.plain.navigate("Documents")
    wait(app, lambda: pane.plain.model.find("Documents/budget.csv") is not None)
    pane.plain.select_path("Documents/budget.csv")
    wait(app, lambda: (pane.cipher.current_path() or "").endswith(".c9r"), 15_000)
    pause(app, 600)
    window.grab().save(str(out / "main-window.png"))
    pane.plain.grab().save(str(out / "plaintext.png"))
    pane.cipher.grab().save(str(out / "encrypted.png"))
    window.transfers_panel.grab().save(str(out / "transfers.png"))
    pane.plain.rename_current()  # F2: the name opens for editing in place
    pause(app, 300)
    pane.plain.grab().save(str(out / "rename.png"))
    gate.set()
    window.shutdown()
    window.close()
    print(f"saved {', '.join(sorted(p.name for p in out.glob('*.png')))} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
