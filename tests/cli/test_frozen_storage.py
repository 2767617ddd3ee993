"""`put` to S3 that is interrupted, by a server that freezes mid-upload (exit 5 within the
storage timeout) or by Ctrl-C (exit 130), leaves no incomplete multipart upload."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clihelpers import CLI, FAST_INIT, PASSPHRASE, run_cli, s3_options

from tests.services import StoppableS3

TIMEOUT = 2


def _uploads(fs: Any, bucket: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fs.call_s3("list_multipart_uploads", Bucket=bucket).get(
        "Uploads", [])
    return found


@contextlib.contextmanager
def _put_under_way(server: StoppableS3, bucket: str, tmp_path: Path, *extra: str
                   ) -> Iterator[tuple[Any, list[str], subprocess.Popen[bytes]]]:
    """`put` of a big file into a new vault in `bucket`, once its multipart upload exists:
    (the test's S3 filesystem, the CLI's storage options, the running process)."""
    fs = server.filesystem()
    fs.mkdir(bucket)
    options = s3_options(server.endpoint_url)
    assert run_cli("init", f"s3://{bucket}/vault", *FAST_INIT, *options).code == 0
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        f.truncate(512 * 1024 * 1024)  # sparse: many parts, no disk
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [str(CLI), "put", f"s3://{bucket}/vault", str(source), "/", *options, *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _uploads(fs, bucket):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the upload never started"
        yield fs, options, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_put_to_a_frozen_s3_ends_with_exit_5(s3_stoppable: StoppableS3,
                                             tmp_path: Path) -> None:
    with _put_under_way(s3_stoppable, "frozen", tmp_path,
                        "--storage-timeout", str(TIMEOUT)) as (fs, options, proc):
        s3_stoppable.pause()
        started = time.monotonic()
        try:
            _out, err = proc.communicate(timeout=10 * TIMEOUT)
        finally:
            s3_stoppable.resume()
        elapsed = time.monotonic() - started
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
    with _put_under_way(s3_stoppable, "interrupted", tmp_path) as (fs, options, proc):
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert _uploads(fs, "interrupted") == []
    assert run_cli("ls", "s3://interrupted/vault", *options).out == ""
