"""A storage that stops answering mid-request: the operation fails within the storage
timeout, and an upload leaves no incomplete multipart upload behind."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from tests.services import StoppableS3
from vaultui.fs.errors import StorageUnavailableError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.stall import StorageStalledError
from vaultui.fs.storage import (
    DEFAULT_STORAGE_TIMEOUT,
    STORAGE_TIMEOUT_ENV,
    backend_defaults,
    open_location,
    storage_timeout,
)
from vaultui.fs.vault import VaultLocation

MiB = 1024 * 1024
PASSPHRASE = "correct horse battery staple"
TIMEOUT = 2.0


def _options(server: StoppableS3) -> dict[str, Any]:
    return {"key": "testing", "secret": "testing", "skip_instance_cache": True,
            "client_kwargs": {"endpoint_url": server.endpoint_url}}


def _uploads(server: StoppableS3, bucket: str) -> list[dict[str, Any]]:
    fs, _ = open_location(f"s3://{bucket}", _options(server))
    found: list[dict[str, Any]] = fs.call_s3("list_multipart_uploads", Bucket=bucket).get(
        "Uploads", [])
    return found


@pytest.fixture
def stalling_vault(s3_stoppable: StoppableS3) -> VaultFileSystem:
    fs, root = open_location("s3://stall/vault", _options(s3_stoppable), timeout=TIMEOUT)
    fs.mkdir("stall")
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)


def test_an_upload_to_a_frozen_server_fails_in_time_and_is_aborted(
        s3_stoppable: StoppableS3, stalling_vault: VaultFileSystem) -> None:
    f = stalling_vault.open("big.bin", "wb")
    f.write(os.urandom(9 * MiB))  # one 8 MiB part is up: the multipart upload exists
    assert len(_uploads(s3_stoppable, "stall")) == 1
    s3_stoppable.pause()
    started = time.monotonic()
    try:
        with pytest.raises(StorageUnavailableError) as caught:
            f.write(os.urandom(16 * MiB))
            f.close()
        elapsed = time.monotonic() - started
    finally:
        s3_stoppable.resume()
    # The stalled part (TIMEOUT), then the abort's own try (TIMEOUT): never retried.
    assert elapsed < 4 * TIMEOUT, f"took {elapsed:.1f} s"
    assert "s3://stall/vault" in str(caught.value)
    assert isinstance(caught.value.__cause__, StorageStalledError) or isinstance(
        caught.value, StorageStalledError)
    # The abort sent while the server was frozen is answered once it goes on.
    assert _uploads(s3_stoppable, "stall") == []
    assert stalling_vault.ls("", detail=False) == []


def test_a_read_from_a_frozen_server_fails_in_time(
        s3_stoppable: StoppableS3, stalling_vault: VaultFileSystem) -> None:
    stalling_vault.pipe_file("a.txt", b"some text")
    s3_stoppable.pause()
    started = time.monotonic()
    try:
        with pytest.raises(StorageUnavailableError):
            stalling_vault.cat_file("a.txt")
        elapsed = time.monotonic() - started
    finally:
        s3_stoppable.resume()
    assert elapsed < 4 * TIMEOUT, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("cause", ["error", "cancel"])
def test_a_failed_upload_leaves_no_multipart_upload(
        s3_stoppable: StoppableS3, stalling_vault: VaultFileSystem, cause: str) -> None:
    class StopError(Exception):
        pass

    with pytest.raises(StopError if cause == "error" else KeyboardInterrupt), \
            stalling_vault.open("big.bin", "wb") as f:
        f.write(os.urandom(9 * MiB))
        assert len(_uploads(s3_stoppable, "stall")) == 1
        raise StopError() if cause == "error" else KeyboardInterrupt()
    assert _uploads(s3_stoppable, "stall") == []
    assert stalling_vault.ls("", detail=False) == []


def test_the_timeout_comes_from_the_argument_the_environment_or_the_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORAGE_TIMEOUT_ENV, raising=False)
    assert storage_timeout() == DEFAULT_STORAGE_TIMEOUT
    monkeypatch.setenv(STORAGE_TIMEOUT_ENV, "7.5")
    assert storage_timeout() == 7.5
    assert storage_timeout(3) == 3
    for bad in ("0", "-1", "soon", "inf"):
        with pytest.raises(ValueError):
            storage_timeout(bad)


def test_every_backend_gets_timeouts() -> None:
    s3 = backend_defaults("s3", 30)["config_kwargs"]
    assert s3["read_timeout"] == 30 and s3["connect_timeout"] <= 30
    assert s3["retries"]["max_attempts"] >= 1
    assert backend_defaults("abfs", 30)["read_timeout"] == 30
    sftp = backend_defaults("sftp", 30)
    assert sftp["keepalive_interval"] * sftp["keepalive_count_max"] <= 30
    # The caller's own settings win.
    fs, _ = open_location("s3://b/v", {"config_kwargs": {"read_timeout": 9},
                                       "skip_instance_cache": True}, timeout=30)
    assert fs.config_kwargs["read_timeout"] == 9
    assert fs.config_kwargs["connect_timeout"] == 10


def test_azure_takes_its_timeouts(azurite: str) -> None:
    fs, _ = open_location("abfs://stalls/vault", {"connection_string": azurite,
                                                  "skip_instance_cache": True}, timeout=7)
    fs.mkdir("stalls")
    assert fs._timeout_kwargs == {"connection_timeout": 7, "read_timeout": 7}
    fs.pipe_file("stalls/a", b"a")
    assert fs.cat_file("stalls/a") == b"a"


def test_sftp_takes_its_timeouts(sftp_server: Any, tmp_path: Any) -> None:
    options = {"host": sftp_server.host, "port": sftp_server.port,
               "username": sftp_server.username, "client_keys": [str(sftp_server.client_key)],
               "known_hosts": None, "skip_instance_cache": True}
    fs, root = open_location(f"sftp://{tmp_path}", options, timeout=9)
    assert fs.storage_options["keepalive_interval"] == 3
    fs.pipe_file(f"{root}/a", b"a")
    assert fs.cat_file(f"{root}/a") == b"a"
