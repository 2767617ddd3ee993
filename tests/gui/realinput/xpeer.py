"""A second program on the test display, as a file manager: drags files, or takes drops.

    python xpeer.py source STATE FILE...   a press and drag in its window drags FILE... out
    python xpeer.py target STATE FOLDER    copies what is dropped on it into FOLDER

Real XDND with the app, driven by xdotool like any drag. It stays above other windows (so a
click on the app does not hide it) and writes what happened to STATE (JSON): its screen
centre, the drag it started and the action the drop target answers, the drops it took.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from vaultui.gui.core.qt import (
    QApplication,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QLabel,
    QMimeData,
    QMouseEvent,
    Qt,
    QTimer,
    QUrl,
)

ACTIONS = {Qt.DropAction.CopyAction: "copy", Qt.DropAction.MoveAction: "move",
           Qt.DropAction.LinkAction: "link", Qt.DropAction.IgnoreAction: "ignore"}


class Peer(QLabel):
    def __init__(self, mode: str, state_path: Path, args: list[str]) -> None:
        super().__init__(f"xpeer {mode}")
        self.setWindowTitle(f"xpeer {mode}")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.mode, self.state_path, self.args = mode, state_path, args
        self.state: dict[str, Any] = {"drags": [], "drops": [], "entered": 0, "action": None}
        self.setAcceptDrops(mode == "target")
        self._last = ""
        timer = QTimer(self)
        timer.timeout.connect(self.write)
        timer.start(30)

    def write(self) -> None:
        centre = self.mapToGlobal(self.rect().center())
        self.state["centre"] = [centre.x(), centre.y()]
        self.state["shown"] = self.isVisible()
        text = json.dumps(self.state, sort_keys=True)
        if text != self._last:
            self._last = text
            partial = self.state_path.with_suffix(".part")
            partial.write_text(text)
            os.replace(partial, self.state_path)

    # -- source ---------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.mode != "source" or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(os.path.abspath(p)) for p in self.args])
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.actionChanged.connect(self._action)
        self.state["dragging"] = True
        self.write()
        result = drag.exec(Qt.DropAction.CopyAction)
        self.state["dragging"] = False
        self.state["drags"].append(ACTIONS.get(result, str(result)))

    def _action(self, action: Qt.DropAction) -> None:
        self.state["action"] = ACTIONS.get(action, str(action))
        self.write()

    # -- target ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            self.state["entered"] += 1
            event.acceptProposedAction()
            self.write()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.state["entered"] -= 1

    def dropEvent(self, event: QDropEvent) -> None:
        folder = Path(self.args[0])
        names = []
        for url in event.mimeData().urls():
            source = Path(url.toLocalFile())
            names.append(source.name)
            if source.is_dir():
                shutil.copytree(source, folder / source.name)
            else:
                shutil.copy2(source, folder / source.name)
        self.state["drops"].append({"names": names, "at": time.time(),
                                    "from": [url.toLocalFile()
                                             for url in event.mimeData().urls()]})
        event.acceptProposedAction()
        self.write()


def main() -> int:
    mode, state, *args = sys.argv[1:]
    app = QApplication(sys.argv[:1])
    peer = Peer(mode, Path(state), args)
    peer.setGeometry(1110, 620, 270, 200)
    peer.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
