"""Test-only storage for the app under test: local files whose writes wait at a gate.

On the app's PYTHONPATH (see xharness.gated_storage), Python imports this at start and
registers ``gated://``: a local folder whose file writes block while the file named by
XHARNESS_GATE exists, and whose reads past a file's first MiB block while the one named by
XHARNESS_READ_GATE exists (so unlocking and listing still work). A test holds an upload or
a decryption mid-way for as long as it needs, then opens the gate; no timing guesses. The
only fake in these tests: a stalled storage cannot be caused otherwise.
"""

from __future__ import annotations

import os
import time
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

GATE = os.environ.get("XHARNESS_GATE", "")
READ_GATE = os.environ.get("XHARNESS_READ_GATE", "")
#: reads up to here pass the read gate: headers, small files, the vault's own files
FREE_READ = 1 << 20


def _wait_at(gate: str) -> None:
    while gate and os.path.exists(gate):
        time.sleep(0.02)


class GatedFileSystem(LocalFileSystem):  # type: ignore[misc]
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
                _wait_at(GATE)
                return write(data)

            opened.write = gated_write
        else:
            read = opened.read

            def gated_read(*args: Any) -> Any:
                if opened.tell() >= FREE_READ:
                    _wait_at(READ_GATE)
                return read(*args)

            opened.read = gated_read
        return opened


if GATE or READ_GATE:
    fsspec.register_implementation("gated", GatedFileSystem, clobber=True)
