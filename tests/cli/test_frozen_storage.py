"""`put` to S3 that is interrupted, by a server that freezes mid-upload (exit 5 within the
storage timeout) or by Ctrl-C (exit 130), leaves no incomplete multipart upload."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from clihelpers import CLI, FAST_INIT, PASSPHRASE, run_cli, s3_options

from tests.services import StoppableS3

TIMEOUT = 2


def _uploads(fs: Any, bucket: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fs.call_s3("list_multipart_uploads", Bucket=bucket).get(
        "Uploads", [])
    return found


def test_put_to_a_frozen_s3_ends_with_exit_5(s3_stoppable: StoppableS3,
                                             tmp_path: Path) -> None:
    fs = s3_stoppable.filesystem()
    fs.mkdir("frozen")
    options = s3_options(s3_stoppable.endpoint_url)
    assert run_cli("init", "s3://frozen/vault", *FAST_INIT, *options).code == 0
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        f.truncate(512 * 1024 * 1024)  # sparse: many parts, no disk
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [str(CLI), "put", "s3://frozen/vault", str(source), "/", *options,
         "--storage-timeout", str(TIMEOUT)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _uploads(fs, "frozen"):  # wait for the upload to be under way
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the upload never started"
        s3_stoppable.pause()
        started = time.monotonic()
        try:
            _out, err = proc.communicate(timeout=10 * TIMEOUT)
        finally:
            s3_stoppable.resume()
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    message = err.decode()
    assert proc.returncode == 5, message
    assert elapsed < 5 * TIMEOUT, f"took {elapsed:.1f} s"
    assert "Traceback" not in message
    assert "s3://frozen/vault" in message
    # The abort sent while the server was frozen is carried out once it goes on.
    assert _uploads(fs, "frozen") == []
    listing = run_cli("ls", "s3://frozen/vault", *options)
    assert listing.code == 0 and listing.out == "", listing


def test_ctrl_c_during_put_to_s3_aborts_the_upload(s3_stoppable: StoppableS3,
                                                  tmp_path: Path) -> None:
    fs = s3_stoppable.filesystem()
    fs.mkdir("interrupted")
    options = s3_options(s3_stoppable.endpoint_url)
    assert run_cli("init", "s3://interrupted/vault", *FAST_INIT, *options).code == 0
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        f.truncate(512 * 1024 * 1024)
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [str(CLI), "put", "s3://interrupted/vault", str(source), "/", *options],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _uploads(fs, "interrupted"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the upload never started"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err.decode()
    assert _uploads(fs, "interrupted") == []
    assert run_cli("ls", "s3://interrupted/vault", *options).out == ""
