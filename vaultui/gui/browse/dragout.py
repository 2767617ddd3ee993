"""Dragging items out of a vault: decrypt first, with progress; never a drag without a button.

The desktop needs real files at drop time, so the copies are decrypted before the drag
starts (decrypting on the GUI thread in a delayed-rendering callback would freeze the app).
A large item takes a while: if the mouse button was released meanwhile, starting the drag
then would leave X with a drag and no button held, and the user's next click anywhere
would drop the files. So the drag starts only while the button is still down; otherwise
the copies are kept and the user is told to drag again, which then starts at once.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.core.qt import QGuiApplication, QMimeData, QObject, Qt, QUrl, Signal
from vaultui.gui.core.worker import JobContext, TaskRunner
from vaultui.tasks import DecryptTree, PartialTransferError
from vaultui.tasks.progress import Progress


def drag_mime(local_paths: list[str]) -> QMimeData:
    """File URLs of decrypted copies, as file managers and desktops expect them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in local_paths])
    return mime


def left_button_held() -> bool:
    return bool(QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton)


@dataclass(frozen=True)
class _Copies:
    """Decrypted copies of the dragged items, and what the items were when decrypted."""

    stamp: Hashable
    paths: list[str]

    def usable(self, stamp: Hashable) -> bool:
        return stamp == self.stamp and all(os.path.exists(p) for p in self.paths)


class DragOut(QObject):
    """Decrypted copies for drags out of one vault.

    `temp_dir` gives the private (0700) folder the copies go in (removed on lock);
    `start_drag` runs the real drag with the copies' URLs; `button_held` says whether the
    mouse button that began the drag is still down.

    Signals:
        messageRaised(text: str): progress and outcome, for the status bar.
    """

    messageRaised = Signal(str)  # noqa: N815

    def __init__(self, fs: VaultFileSystem, runner: TaskRunner, temp_dir: Callable[[], str],
                 start_drag: Callable[[QMimeData], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fs = fs
        self.runner = runner
        self.temp_dir = temp_dir
        self.start_drag = start_drag
        self.button_held: Callable[[], bool] = left_button_held
        self._ready: dict[tuple[str, ...], _Copies] = {}
        self._decrypting: set[tuple[str, ...]] = set()

    def request(self, paths: list[str], stamp: Hashable) -> None:
        """The user began dragging `paths` (as they are now: `stamp`)."""
        key = tuple(paths)
        ready = self._ready.get(key)
        if ready is not None and ready.usable(stamp):
            self.start_drag(drag_mime(ready.paths))
            return
        if key in self._decrypting:
            return  # the copies are on their way; this drag will not start, the next will
        self._decrypting.add(key)
        fs, folder = self.fs, tempfile.mkdtemp(dir=self.temp_dir())  # 0700
        what = posixpath.basename(paths[0]) if len(paths) == 1 else f"{len(paths)} items"

        def job(ctx: JobContext) -> list[str]:
            def report(progress: Progress) -> None:
                ctx.progress(progress.bytes_done, progress.bytes_total)

            result = DecryptTree(fs, paths, folder, progress=report, cancel=ctx.cancelled).run()
            if result.failures:  # a drag of part of what was asked would look complete
                raise PartialTransferError(result)
            return [os.path.join(folder, posixpath.basename(p.strip("/"))) for p in paths]

        def progressed(done: int, total: int) -> None:
            percent = f" {done * 100 // total}%" if total else ""
            self.messageRaised.emit(f"Decrypting {what} to drag…{percent}")

        def decrypted(copies: object) -> None:
            assert isinstance(copies, list)
            self._decrypting.discard(key)
            self._ready[key] = _Copies(stamp, copies)
            if self.button_held():
                self.messageRaised.emit("")
                self.start_drag(drag_mime(copies))
            else:
                self.messageRaised.emit(
                    f"{what} is decrypted and ready: the mouse button was released before, "
                    "so drag it again (or use Save as…).")

        def failed(exc: BaseException) -> None:
            self._decrypting.discard(key)
            self.messageRaised.emit(f"Cannot drag out: {exc}")

        self.messageRaised.emit(f"Decrypting {what} to drag…")
        self.runner.run(job, on_success=decrypted, on_failure=failed, on_progress=progressed)

    def forget(self) -> None:
        """Drop what was decrypted (the temp folder itself goes with the pane's)."""
        self._ready.clear()
