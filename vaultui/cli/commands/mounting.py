"""Commands that show a vault as a drive: mount (FUSE or WebDAV), unmount."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from typing import Any

from vaultui.cli.context import Context
from vaultui.cli.errors import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_vault_argument


def _choose(ctx: Context) -> str:
    from vaultui.mount.fusecheck import fuse_available

    args = ctx.args
    if args.webdav:
        if args.mountpoint:
            raise CliError("a WebDAV mount serves a URL, not a folder: drop MOUNTPOINT, or "
                           "use --fuse", ExitCode.USAGE)
        return "webdav"
    if args.fuse or args.mountpoint:
        if not args.mountpoint:
            raise CliError("--fuse needs a MOUNTPOINT folder", ExitCode.USAGE)
        reason = fuse_available()
        if reason is not None:
            raise CliError(f"FUSE is not available: {reason}; use --webdav")
        return "fuse"
    return "webdav"


def cmd_mount(ctx: Context) -> int:
    kind = _choose(ctx)
    if kind == "fuse" and not os.path.isdir(ctx.args.mountpoint):
        raise CliError(f"mount point is not a folder: {ctx.args.mountpoint}", ExitCode.NOT_FOUND)
    if kind == "fuse" and os.listdir(ctx.args.mountpoint):
        # Mounting over files would hide them while mounted: a user would think them gone.
        raise CliError(f"mount point is not empty: {ctx.args.mountpoint}", ExitCode.USAGE)
    vfs = ctx.open_vault()
    if kind == "fuse":
        return _mount_fuse(ctx, vfs)
    return _serve_webdav(ctx, vfs)


def _mount_fuse(ctx: Context, vfs: Any) -> int:
    from vaultui.mount.fusemount import run_fuse

    mountpoint = os.path.abspath(ctx.args.mountpoint)

    def mounted() -> None:
        ro = " read-only" if ctx.args.read_only else ""
        ctx.out(f"mounted {vfs.location.url} at {mountpoint} (FUSE{ro})")
        ctx.note(f"stop with Ctrl-C or `vaultui-cli unmount {mountpoint}`")
        ctx.stdout.flush()

    run_fuse(vfs, mountpoint, read_only=ctx.args.read_only, on_mounted=mounted)
    ctx.note(f"unmounted {mountpoint}")
    return ExitCode.OK


def _serve_webdav(ctx: Context, vfs: Any) -> int:
    from vaultui.mount.davserver import DavServer

    server = DavServer(vfs, port=ctx.args.port, read_only=ctx.args.read_only)
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()
        threading.Thread(target=server.stop, daemon=True).start()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM,
                                                    signal.SIGHUP)}
    try:
        ro = " read-only" if ctx.args.read_only else ""
        ctx.out(f"serving {vfs.location.url} at {server.url} (WebDAV{ro})")
        ctx.out(f"credential: {server.credential_file}")
        ctx.note(f"user and password are in the credential file; stop with Ctrl-C or "
                 f"`vaultui-cli unmount {server.url}`")
        ctx.stdout.flush()
        server.serve_forever()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    ctx.note(f"stopped serving {server.url}")
    return ExitCode.OK


def cmd_unmount(ctx: Context) -> int:
    from vaultui.mount.davserver import find_dav_mount

    target = ctx.args.mountpoint
    if os.path.isdir(target):
        from vaultui.mount.fusemount import is_fuse_mount, unmount_fuse

        if not is_fuse_mount(target):
            raise CliError(f"no vaultui mount at {target}", ExitCode.NOT_FOUND)
        unmount_fuse(target)
        ctx.note(f"unmounted {target}")
        return ExitCode.OK
    found = find_dav_mount(target)
    if found is None:
        raise CliError(f"no vaultui mount at {target}", ExitCode.NOT_FOUND)
    pid, credential = found
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while credential.exists():  # the server removes it once it has stopped
        if time.monotonic() > deadline:
            raise CliError(f"the WebDAV server (pid {pid}) did not stop within 60 s")
        time.sleep(0.1)
    ctx.note(f"stopped {target}")
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    p = add_command(
        sub, "mount", cmd_mount, "show the vault as a drive (FUSE folder or WebDAV URL)",
        "Unlock the vault and keep it mounted until Ctrl-C, SIGTERM or `vaultui-cli "
        "unmount`. With a MOUNTPOINT folder (or --fuse) it becomes a FUSE file system there "
        "(Linux, /dev/fuse); with --webdav, or no MOUNTPOINT, a WebDAV server on 127.0.0.1 "
        "serves it on a free port behind a random user and password, written to a "
        "credential file only you can read. Files being written are held encrypted on the "
        "local disk and uploaded whole when closed or fsync'd (docs/MOUNT.md).",
        ["vaultui-cli mount ~/vault ~/mnt/vault",
         "vaultui-cli mount s3://bucket/vault --webdav --storage-options-file s3.json",
         "vaultui-cli unmount ~/mnt/vault"],
        [storage, unlock])
    add_vault_argument(p)
    p.add_argument("mountpoint", nargs="?", metavar="MOUNTPOINT",
                   help="an empty folder to mount at (FUSE)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--fuse", action="store_true", help="mount with FUSE at MOUNTPOINT")
    kind.add_argument("--webdav", action="store_true",
                      help="serve over WebDAV on 127.0.0.1 (for Finder, Explorer, gio, rclone)")
    p.add_argument("--read-only", action="store_true", help="refuse every change")
    p.add_argument("--port", type=int, default=0, metavar="N",
                   help="WebDAV port (default: a free one)")

    p = add_command(
        sub, "unmount", cmd_unmount, "stop a mount made by `vaultui-cli mount`",
        "Unmount a FUSE MOUNTPOINT, or stop the WebDAV server at a URL (or credential file) "
        "that `vaultui-cli mount` printed. Files still open are uploaded first.",
        ["vaultui-cli unmount ~/mnt/vault", "vaultui-cli unmount http://127.0.0.1:40213/"])
    p.add_argument("mountpoint", metavar="MOUNTPOINT",
                   help="a FUSE mount point, a WebDAV URL or its credential file")
