"""Drag items out of the plaintext view onto another window, for real, under an X server.

    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python tests/gui/drag_out_xcb.py WORKDIR

Run by tests/gui/test_pane.py. Builds a vault in WORKDIR, unlocks it, selects hello.txt and
docs/, starts the drag as Qt does when the drag gesture starts (view.startDrag) and, once
Qt's XDND drag loop runs, moves the mouse onto a second window and releases it there. That
window copies what is dropped into WORKDIR/desktop, as a file manager does. What happened
is written to WORKDIR/result.json; the test checks it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from guihelpers import DEMO_FILES, PASSPHRASE, make_vault

from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.qt import (
    QApplication,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QEvent,
    QEventLoop,
    QItemSelectionModel,
    QMouseEvent,
    QPoint,
    QPointF,
    Qt,
    QTimer,
    QWidget,
)
from vaultui.gui.settings import Settings
from vaultui.gui.vaultstate import VaultState


class DropFolder(QWidget):
    """A drop target that does what a file manager does with dropped file URLs: copy them."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.setAcceptDrops(True)
        self.dropped: list[str] = []
        self.tmp_while_dragging: list[str] = []

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.tmp_while_dragging = sorted(os.listdir(tempfile.gettempdir()))
        for url in event.mimeData().urls():
            source = Path(url.toLocalFile())
            self.dropped.append(str(source))
            if source.is_dir():
                shutil.copytree(source, self.folder / source.name)
            else:
                shutil.copy2(source, self.folder / source.name)
        event.acceptProposedAction()


def wait(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()

    def poll() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(poll)
    timer.start(20)
    loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("timed out")


def mouse(target: QWidget, kind: QEvent.Type, x: int, y: int) -> None:
    """A mouse event at (x, y) in `target`: Qt's drag loop filters the application's mouse
    events and, under X, finds the window under that point on the X server (XDND)."""
    local = QPointF(x, y)
    pressed = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease \
        else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, local, QPointF(target.mapToGlobal(QPoint(x, y))),
                        Qt.MouseButton.LeftButton, pressed, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target.windowHandle(), event)


def main() -> int:
    work = Path(sys.argv[1])
    app = QApplication(sys.argv[:1])
    desktop = work / "desktop"
    desktop.mkdir()
    window = MainWindow(Settings(work / "settings.ini"))
    window.setGeometry(0, 0, 1000, 700)
    window.show()
    vault = window.add_vault(make_vault(work / "vault", DEMO_FILES))
    wait(lambda: vault.state is VaultState.LOCKED)
    vault.unlock(PASSPHRASE)
    wait(lambda: vault.state is VaultState.UNLOCKED)
    pane = window.current_pane()
    assert pane is not None
    view = pane.plain.view
    wait(lambda: view.model().rowCount(view.rootIndex()) == 3)
    target = DropFolder(desktop)
    target.setGeometry(1050, 100, 300, 200)
    target.show()
    wait(target.isVisible)
    pane.plain.select_path("hello.txt")
    wait(lambda: pane.plain.selected_paths() == ["hello.txt"])
    docs = next(view.model().index(r, 0, view.rootIndex()) for r in range(3)
                if view.model().index(r, 0, view.rootIndex()).data() == "docs")
    view.selectionModel().select(
        docs, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)

    def steer() -> None:
        # The drag starts once the copies are decrypted; then its own event loop runs.
        if not view.findChildren(QDrag):
            return
        poll.stop()
        for x, y in ((100, 80), (150, 100)):
            mouse(target, QEvent.Type.MouseMove, x, y)
        mouse(target, QEvent.Type.MouseButtonRelease, 150, 100)

    poll = QTimer()
    poll.timeout.connect(steer)
    poll.start(20)
    view.startDrag(Qt.DropAction.CopyAction)  # what Qt calls when the drag gesture starts
    wait(lambda: len(target.dropped) == 2)
    temp = pane.temp_dir()
    result = {
        "dropped": target.dropped,
        "temp_dir": temp,
        "temp_mode": os.stat(temp).st_mode & 0o777,
        "tmp_while_dragging": target.tmp_while_dragging,
    }
    window.lock_all()
    wait(lambda: not os.path.exists(temp))
    result["tmp_after_lock"] = sorted(os.listdir(tempfile.gettempdir()))
    (work / "result.json").write_text(json.dumps(result))
    window.shutdown()
    window.close()
    target.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
