"""Screenshots of the vault as a drive (FUSE), its option, Force lock and a terminal in it.

Needs /dev/fuse with fuse3 and `xterm`, under Xvfb (real xcb windows):
    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/gui/screenshots_drive.py screenshots
Saves drive-revealed, options-drive, force-lock and drive-terminal PNGs into the given folder.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from screenshots import pause, wait

from vaultui.demo import DEMO_PASSPHRASE, create_demo_vault
from vaultui.gui.core.qt import QApplication, QMessageBox, QSize, QTimer
from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState
from vaultui.mount.drive import DriveKind, preferred_kind

#: What the terminal runs: `ls -l` of the mounted drive, then a WebDAV mount of the same
#: vault in the foreground (stopped by SIGTERM once the screenshot is taken).
TERMINAL_SCRIPT = """
show() {{ printf '\\033[1m$ %s\\033[0m\\n' "$*"; }}
echo "$WINDOWID" > {wid}
show 'ls -l "drives/Demo vault"'
ls -l "drives/Demo vault"
echo
show 'vaultui-cli mount "Demo vault" --webdav --passphrase-file passphrase.txt'
vaultui-cli mount "Demo vault" --webdav --passphrase-file passphrase.txt 2>&1 | tee {log} &
wait
"""


def terminal_shot(app: QApplication, work: Path, path: Path) -> None:
    """An xterm in the work folder listing the drive and serving the vault over WebDAV."""
    (work / "passphrase.txt").write_text(DEMO_PASSPHRASE + "\n")
    (work / "passphrase.txt").chmod(0o600)
    wid, log = work / "xterm.wid", work / "webdav.log"
    script = TERMINAL_SCRIPT.format(wid=shlex.quote(str(wid)), log=shlex.quote(str(log)))
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    term = subprocess.Popen(
        ["xterm", "-geometry", "124x15", "-fa", "DejaVu Sans Mono", "-fs", "10",
         "-bg", "white", "-fg", "black", "-title", "vaultui drive", "-e", "bash", "-c", script],
        cwd=work, env=env, start_new_session=True)
    try:
        wait(app, lambda: "credential" in (log.read_text() if log.exists() else ""), 30_000)
        pause(app, 800)  # xterm draws the last lines
        subprocess.run(["import", "-window", wid.read_text().strip(), str(path)], check=True)
    finally:
        os.killpg(term.pid, signal.SIGTERM)  # the mount stops cleanly on SIGTERM
        term.wait(15)


def main(outdir: str) -> int:
    if preferred_kind() is not DriveKind.FUSE:
        print("FUSE is not usable here (/dev/fuse, fuse3); no drive screenshots")
        return 1
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vaultui-dshots-"))
    app = QApplication(sys.argv[:1])
    window = MainWindow(Settings(work / "settings.ini"))
    window.drives.root = str(work / "drives")
    window.drives.open_location = lambda location: None  # no file manager here
    window.resize(1200, 640)
    vault = window.add_vault(create_demo_vault(str(work)))
    window.show()
    wait(app, lambda: vault.state is VaultState.LOCKED)
    vault.unlock(DEMO_PASSPHRASE)
    wait(app, lambda: vault.state is VaultState.UNLOCKED)
    pane = window.current_pane()
    assert pane is not None
    wait(app, lambda: pane.plain.model.rowCount() >= 4)
    location = window.controller.reveal_drive()
    assert location is not None
    pause(app, 600)
    window.grab().save(str(out / "drive-revealed.png"))

    options = window.controller.vault_options()
    assert options is not None
    options.tabs.setCurrentIndex(options.tabs.count() - 1)  # the Drive tab
    options.drive_on_unlock.setChecked(True)
    options.resize(options.minimumSizeHint().expandedTo(QSize(560, 200)))  # not mostly blank
    pause(app, 300)
    options.grab().save(str(out / "options-drive.png"))
    options.reject()

    terminal_shot(app, work, out / "drive-terminal.png")

    def grab_and_cancel() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.grab().save(str(out / "force-lock.png"))
        box.button(QMessageBox.StandardButton.Cancel).click()

    # A file held open as an editor would: locking asks before cutting it off.
    fd = os.open(os.path.join(location, "Documents", "draft.txt"), os.O_WRONLY | os.O_CREAT)
    try:
        os.write(fd, b"being edited")
        QTimer.singleShot(500, grab_and_cancel)
        window.controller.lock_current()
    finally:
        os.close(fd)
    window.controller.lock_current()
    wait(app, lambda: vault.state is VaultState.LOCKED)
    window.shutdown()
    window.close()
    print(f"saved {', '.join(sorted(p.name for p in out.glob('*.png')))} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
