"""A mount that runs beside a program (the desktop app): start, count open files, stop.

`vaultui-cli mount` serves in the foreground; an app needs the same mount on a background
thread, a way to ask whether programs still hold files open before locking, and a forced
stop for when the user insists (as Cryptomator's "Force lock").
"""

from __future__ import annotations

import contextlib
import enum
import os
import signal
import subprocess
import threading
import time

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.fusecheck import fuse_available


class DriveKind(enum.Enum):
    FUSE = "fuse"
    WEBDAV = "webdav"


class FilesStillOpenError(OSError):
    """Programs still hold files open in the drive; stop(force=True) unmounts anyway."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} file(s) are still open in the vault's drive")
        self.count = count


def preferred_kind() -> DriveKind:
    """FUSE where it works (a real folder for every program), WebDAV everywhere else."""
    return DriveKind.FUSE if fuse_available() is None else DriveKind.WEBDAV


class DriveMount:
    """One vault shown as a drive until stop(); `location` is the folder or the URL."""

    def __init__(self, vfs: VaultFileSystem, kind: DriveKind, *, mountpoint: str | None = None,
                 read_only: bool = False) -> None:
        if kind is DriveKind.FUSE and not mountpoint:
            raise ValueError("a FUSE drive needs a mount point")
        self.vfs = vfs
        self.kind = kind
        self.mountpoint = os.path.abspath(mountpoint) if mountpoint else None
        self.read_only = read_only
        self.location: str | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._ops: object | None = None
        self._server: object | None = None

    def __repr__(self) -> str:
        return f"DriveMount({self.kind.value}, {self.location!r})"

    @property
    def running(self) -> bool:
        return (self._thread is not None and self._thread.is_alive()) or (
            self._server is not None and self.location is not None)

    def start(self, timeout: float = 30) -> str:
        """Mount; returns the folder (FUSE) or URL (WebDAV). Raises what prevented it."""
        if self.kind is DriveKind.WEBDAV:
            from vaultui.mount.davserver import DavServer

            server = DavServer(self.vfs, read_only=self.read_only)
            server.start()
            self._server = server
            self.location = server.url
            return server.url
        _keep_process_signals()
        self._thread = threading.Thread(target=self._serve_fuse, name="vaultui-fuse",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None:
            error = self._error or TimeoutError("the FUSE mount did not come up in time")
            self.stop(force=True)
            raise error
        assert self.mountpoint is not None
        self.location = self.mountpoint
        _running.add(self)
        return self.mountpoint

    def _serve_fuse(self) -> None:
        from vaultui.mount import fusemount

        assert self.mountpoint is not None
        try:
            fusemount.run_fuse(self.vfs, self.mountpoint, read_only=self.read_only,
                               on_mounted=self._ready.set, operations=self._remember_ops)
        except BaseException as exc:  # reported by start() or lost with the thread
            self._error = exc
        finally:
            self._ready.set()

    def _remember_ops(self, ops: object) -> None:
        self._ops = ops

    @property
    def credential_file(self) -> str | None:
        server = self._server
        return None if server is None else str(getattr(server, "credential_file", ""))

    def open_files(self) -> int:
        """How many files programs hold open through the drive (FUSE; WebDAV has none)."""
        counter = getattr(self._ops, "open_count", None)
        return int(counter()) if counter is not None else 0

    def stop(self, *, force: bool = False, timeout: float = 60) -> None:
        """Unmount, after uploading what is still buffered. Without `force`, refuses while
        files are open (FilesStillOpenError). With it, the folder is detached at once (a
        lazy unmount): nothing new can be opened, but programs keep the files they hold
        until they close them; the last close uploads them and ends the file system."""
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()  # type: ignore[attr-defined]
            self.location = None
            return
        if self._thread is None:
            return
        count = self.open_files()
        deadline = time.monotonic() + 1
        while count and time.monotonic() < deadline:
            # The kernel sends `release` after close() returns: a file just closed may
            # still count for a moment.
            time.sleep(0.05)
            count = self.open_files()
        if count and not force:
            raise FilesStillOpenError(count)
        from vaultui.mount.fusemount import unmount_fuse

        assert self.mountpoint is not None
        if self._thread.is_alive():
            unmount_fuse(self.mountpoint, lazy=force)
        _running.discard(self)
        self._thread.join(5 if count else timeout)
        if not self._thread.is_alive():
            self._thread = None
        self.location = None


#: FUSE drives mounted by this process, to detach if it is terminated.
_running: set[DriveMount] = set()


def _keep_process_signals() -> None:
    """Keep SIGTERM and SIGHUP ending the whole program, not only the mount.

    libfuse takes over every one of these signals that still has its default action, to end
    its loop; in a program that mounts on the side (the app), SIGTERM would then unmount the
    drive and leave the program running. A handler that detaches the drives and then does the
    default action keeps libfuse's hands off, and leaves no dead mount behind. Only the main
    thread may set handlers; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _default_action)


def _default_action(signum: int, frame: object) -> None:
    from vaultui.mount.fusemount import unmount_fuse

    for drive in list(_running):
        if drive.mountpoint is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                unmount_fuse(drive.mountpoint, lazy=True)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
