"""Running a FUSE mount of a vault in the foreground until it is unmounted or signalled."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import mfusepy

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.fusecheck import fuse_available
from vaultui.mount.fuseops import VaultOperations


class FuseUnavailableError(OSError):
    """FUSE cannot mount here (no /dev/fuse, no libfuse 3, no fusermount3)."""


def check_fuse() -> None:
    reason = fuse_available()
    if reason is not None:
        raise FuseUnavailableError(f"FUSE is not available: {reason}; use --webdav")


def run_fuse(vfs: VaultFileSystem, mountpoint: str, *, read_only: bool = False,
             on_mounted: Callable[[], None] | None = None,
             operations: Callable[[VaultOperations], None] | None = None) -> None:
    """Mount `vfs` at `mountpoint` and serve it until unmounted; blocks.

    libfuse handles SIGINT, SIGTERM and SIGHUP: each ends the loop and unmounts, after
    the files still open are uploaded (VaultOperations.destroy). `operations` is given
    the file system's calls object before mounting (to ask it for open files).
    """
    check_fuse()
    if not os.path.isdir(mountpoint):
        raise NotADirectoryError(f"mount point is not a folder: {mountpoint}")
    ops = VaultOperations(vfs, read_only=read_only)
    if on_mounted is not None:
        ops.on_mounted = on_mounted
    if operations is not None:
        operations(ops)
    options: dict[str, object] = {
        "foreground": True,
        "fsname": "vaultui",
        "subtype": "vaultui",
        # Unlink an open file at once (no .fuse_hidden renames in the vault); its
        # handles keep the content (OpenFile.detach).
        "hard_remove": True,
        # Short kernel caches: the listing cache already spares the storage.
        "attr_timeout": 1.0,
        "entry_timeout": 1.0,
        "negative_timeout": 0.0,
    }
    if read_only:
        options["ro"] = True
    try:
        mfusepy.FUSE(ops, mountpoint, **options)
    except RuntimeError as exc:
        # fuse_main reports 8 when its loop ended with an error, and a loop ended by
        # SIGINT/SIGTERM/SIGHUP counts as one (libfuse stores the signal as the error);
        # the file system was still unmounted and destroyed in order, so that is a stop.
        if str(exc) != "8":
            raise


def unmount_fuse(mountpoint: str, *, lazy: bool = False) -> None:
    """Ask the kernel to unmount a FUSE mount (the serving process then exits); `lazy`
    detaches it even while programs still use it."""
    command = ["fusermount3", "-u", *(["-z"] if lazy else []), mountpoint]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise OSError(result.stderr.strip() or f"fusermount3 -u {mountpoint} failed")


def is_fuse_mount(mountpoint: str) -> bool:
    """True if `mountpoint` is a vaultui FUSE mount (from /proc/self/mounts)."""
    target = os.path.realpath(mountpoint)
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) >= 3 and fields[0] == "vaultui" and _unescape(
                        fields[1]) == target:
                    return True
    except OSError:
        return False
    return False


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace(
        "\\134", "\\")
