"""Test-only storage for the app under test: local files whose writes wait at a gate.

On the app's PYTHONPATH (see xharness.RealApp.start's `gate`), Python imports this at start
and registers ``gated://``: a local folder whose file writes block while the file named by
XHARNESS_GATE exists. A test holds an upload mid-way for as long as it needs (quitting
during a transfer), then opens the gate; no timing guesses. The only fake in these tests:
a stalled storage cannot be caused otherwise.
"""

from __future__ import annotations

import os
import time
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

GATE = os.environ.get("XHARNESS_GATE", "")


def _wait_at_gate() -> None:
    while GATE and os.path.exists(GATE):
        time.sleep(0.02)


class GatedFileSystem(LocalFileSystem):
    protocol = "gated"
    root_marker = "/"

    @classmethod
    def _strip_protocol(cls, path: Any) -> str:
        text = str(path)
        if text.startswith("gated://"):
            text = text[len("gated://"):]
        return str(super()._strip_protocol(text))

    def unstrip_protocol(self, name: str) -> str:
        return f"gated://{self._strip_protocol(name)}"

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        opened = super()._open(path, mode, **kwargs)
        if any(flag in mode for flag in "wax"):
            write = opened.write

            def gated_write(data: Any) -> Any:
                _wait_at_gate()
                return write(data)

            opened.write = gated_write
        return opened


if GATE:
    fsspec.register_implementation("gated", GatedFileSystem, clobber=True)
