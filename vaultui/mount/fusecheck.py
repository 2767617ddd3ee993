"""Whether FUSE mounts can work on this machine, asked without loading libfuse."""

from __future__ import annotations

import os
import shutil


def fuse_available() -> str | None:
    """None if FUSE mounts can work here, else why not."""
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse does not exist (no FUSE in this kernel or container)"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not usable by this user"
    if shutil.which("fusermount3") is None:
        return "fusermount3 is not installed (Debian package fuse3)"
    try:
        import mfusepy  # noqa: F401  (finds and loads libfuse at import)
    except (ImportError, OSError) as exc:
        return f"libfuse 3 cannot be loaded ({exc})"
    return None
