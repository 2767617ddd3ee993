"""EncryptStream/DecryptStream: one stream under a standalone key, to and from any URL."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import fsspec
import pytest

from vaultui.crypto.errors import AuthenticationError, CancelledError
from vaultui.crypto.keygen import random_key
from vaultui.crypto.sizes import ciphertext_size
from vaultui.tasks.progress import Progress
from vaultui.tasks.streams import DecryptStream, EncryptStream, KeyMismatchError


def test_round_trip_local(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    key = random_key()
    data = os.urandom(3 * 32768 + 17)
    path = str(tmp_path / "sub" / "file.enc")
    assert EncryptStream(io.BytesIO(data), fs, path, key).run() == len(data)
    stored = Path(path).read_bytes()
    assert len(stored) == ciphertext_size(len(data)) and data[:1000] not in stored
    out = io.BytesIO()
    DecryptStream(fs, path, out, key).run()
    assert out.getvalue() == data


def test_wrong_key_and_tampering(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    key = random_key()
    path = str(tmp_path / "f.enc")
    EncryptStream(io.BytesIO(b"x" * 100_000), fs, path, key).run()
    with pytest.raises(KeyMismatchError):
        DecryptStream(fs, path, io.BytesIO(), random_key()).run()
    raw = bytearray(Path(path).read_bytes())
    raw[-5] ^= 1
    Path(path).write_bytes(bytes(raw))
    with pytest.raises(AuthenticationError):
        DecryptStream(fs, path, io.BytesIO(), key).run()


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    event = threading.Event()

    def progress(p: Progress) -> None:
        if p.bytes_done:
            event.set()

    with pytest.raises(CancelledError):
        EncryptStream(io.BytesIO(os.urandom(4 << 20)), fs, str(tmp_path / "f.enc"),
                      random_key(), cancel=event, progress=progress).run()
    assert list(tmp_path.iterdir()) == []


def test_round_trip_s3(s3fs_fs: Any) -> None:
    key = random_key()
    data = os.urandom(9 << 20)
    path = f"{s3fs_fs.root}/dir/blob.enc"
    EncryptStream(io.BytesIO(data), s3fs_fs.fs, path, key).run()
    out = io.BytesIO()
    DecryptStream(s3fs_fs.fs, path, out, key).run()
    assert out.getvalue() == data
