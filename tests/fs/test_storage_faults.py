"""Storage faults: an S3 server killed mid-upload, damaged directory nodes, dead endpoints.

Every fault must end in a clear error that names the vault's location (and never a
credential), never in a hang, a crash deep inside a backend, or a half-written file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import fsspec
import pytest
from fsspec.spec import AbstractFileSystem

from tests.services import FAST_FAIL_CONFIG, Location, SSHServer, StoppableS3, free_port
from vaultui.crypto.constants import DIR_ID_BACKUP_FILE_NAME
from vaultui.fs.errors import StorageUnavailableError, VaultCorruptError, VaultNotFoundError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.unreachable import is_unreachable, unavailable_error
from vaultui.fs.vault import VaultLocation

MiB = 1024 * 1024
PASSPHRASE = "correct horse battery staple"
#: What a credential looks like in these tests: it must never show up in a message.
SECRET = "s3cr3t-never-in-messages"


def new_vault(fs: AbstractFileSystem, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)


def reopen(vfs: VaultFileSystem) -> VaultFileSystem:
    """The same vault with nothing cached, as the next program run would see it."""
    vfs.storage.invalidate_cache()
    return VaultFileSystem(fs=vfs.storage, root=vfs.location.root, passphrase=PASSPHRASE)


def assert_clear(error: BaseException, url: str) -> None:
    message = str(error)
    assert isinstance(error, OSError)
    assert url in message, message
    for secret in (SECRET, "testing", "uploadId", "X-Amz"):
        assert secret not in message, message


# --- the S3 server goes away --------------------------------------------------------------------


def test_s3_killed_mid_multipart_upload(s3_stoppable: StoppableS3) -> None:
    fs = s3_stoppable.filesystem()
    fs.mkdir("outage")
    vfs = new_vault(fs, "outage/vault")
    vfs.pipe_file("before.txt", b"written before the outage")

    f = vfs.open("big.bin", "wb")
    f.write(os.urandom(9 * MiB))  # past one 8 MiB part: the multipart upload is under way
    assert vfs.ls("", detail=False) == ["before.txt"]
    s3_stoppable.stop()

    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        f.write(os.urandom(8 * MiB))  # the next part cannot be uploaded
        f.close()
    assert time.monotonic() - started < 10
    assert f.closed
    assert_clear(caught.value, "s3://outage/vault")
    assert "Could not connect to the endpoint URL" in str(caught.value)

    # Reads fail the same way while the server is down, and never pass for "not there"
    # (s3fs would answer some of them from its listings cache: drop it).
    fs.invalidate_cache()
    actions = {
        "cat": lambda: vfs.cat_file("before.txt"),
        "ls": lambda: vfs.ls(""),
        "exists": lambda: vfs.exists("before.txt"),
        "info": lambda: vfs.info("big.bin"),
        "find": lambda: vfs.find(""),
        "du": lambda: vfs.du(""),
        "open wb": lambda: vfs.open("new.bin", "wb").close(),
    }
    for name, action in actions.items():
        with pytest.raises(StorageUnavailableError) as caught:
            action()
            pytest.fail(f"{name} did not raise")
        assert_clear(caught.value, "s3://outage/vault")

    # The restarted server is empty (moto keeps no state): what the client sees is a clear
    # "no vault here", not a leftover object from the interrupted upload.
    s3_stoppable.start()
    fs.invalidate_cache()
    assert fs.ls("", detail=False) == []
    with pytest.raises(VaultNotFoundError, match="s3://outage/vault"):
        VaultFileSystem(fs=fs, root="outage/vault", passphrase=PASSPHRASE)


def test_s3_killed_while_reading(s3_stoppable: StoppableS3) -> None:
    fs = s3_stoppable.filesystem()
    fs.mkdir("reading")
    vfs = new_vault(fs, "reading/vault")
    data = os.urandom(3 * MiB)
    vfs.pipe_file("data.bin", data)
    with vfs.open("data.bin", "rb", block_size=MiB) as f:
        assert f.read(MiB) == data[:MiB]
        s3_stoppable.stop()
        with pytest.raises(StorageUnavailableError) as caught:
            f.read(2 * MiB)
    assert_clear(caught.value, "s3://reading/vault")


def test_listing_fails_rather_than_hiding_long_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = fsspec.filesystem("file")
    vfs = new_vault(fs, str(tmp_path / "vault"))
    long_name = "n" * 200
    vfs.pipe_file(long_name, b"long")
    vfs.pipe_file("short.txt", b"short")

    def cat_failing(paths: list[str], *args: Any, **kwargs: Any) -> list[Any]:
        return [ConnectionResetError("connection reset by peer") for _ in paths]

    # The names of shortened nodes are read in one batch that reports errors per path.
    monkeypatch.setattr(fs, "cat_ranges", cat_failing)
    with pytest.raises(StorageUnavailableError, match="connection reset"):
        vfs.ls("")


# --- damaged directory nodes --------------------------------------------------------------------


@pytest.fixture
def s3_tree(s3fs_fs: Location) -> VaultFileSystem:
    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    vfs.makedirs("docs/sub")
    vfs.pipe_file("docs/a.txt", b"a")
    vfs.pipe_file("docs/sub/b.txt", b"b")
    vfs.mkdir("empty")
    vfs.mkdir("L" * 200)  # a shortened (.c9s) directory node
    vfs.pipe_file("top.txt", b"top")
    return vfs


def dir_file(vfs: VaultFileSystem, path: str) -> str:
    """Where the dir.c9r of a cleartext directory is on storage."""
    return str(vfs.info(path)["ciphertext_path"])


def content_dir(vfs: VaultFileSystem, path: str) -> str:
    return vfs.ciphertext_paths(path)[-1]


@pytest.mark.parametrize("name", ["docs", "L" * 200])
def test_missing_dir_c9r_is_a_clear_error(s3_tree: VaultFileSystem, name: str) -> None:
    s3_tree.storage.rm_file(dir_file(s3_tree, name))
    vfs = reopen(s3_tree)

    # The parent still lists; the directory without its id is not shown as one.
    # On an object store its node folder is gone with its only object, so it is
    # simply absent (a local vault keeps the empty folder and calls it damaged).
    assert "top.txt" in vfs.ls("", detail=False)
    assert name not in vfs.ls("", detail=False)
    assert not vfs.exists(name)
    with pytest.raises(FileNotFoundError, match=repr(name)):
        vfs.ls(name)
    with pytest.raises(FileNotFoundError, match=repr(name)):
        vfs.cat_file(f"{name}/a.txt")
    # Writes create missing parents (auto_mkdir, as object stores do): a new, empty
    # directory of that name; the old content folder stays on storage untouched.
    vfs.pipe_file(f"{name}/new.txt", b"x")
    assert vfs.ls(name, detail=False) == [f"{name}/new.txt"]
    # The rest of the vault keeps working.
    assert vfs.cat_file("top.txt") == b"top"
    assert vfs.ls("empty") == []


@pytest.mark.parametrize("content", [b"", b"x" * 2000, b"\xff\xfe not text", b"a" * 37])
def test_damaged_dir_c9r_is_a_clear_error(s3_tree: VaultFileSystem, content: bytes) -> None:
    s3_tree.storage.pipe_file(dir_file(s3_tree, "docs"), content)
    vfs = reopen(s3_tree)

    assert set(vfs.ls("", detail=False)) >= {"docs", "top.txt"}
    with pytest.raises(VaultCorruptError, match="directory 'docs' is damaged"):
        vfs.ls("docs")
    with pytest.raises(VaultCorruptError, match="directory 'docs' is damaged"):
        vfs.cat_file("docs/a.txt")
    with pytest.raises(VaultCorruptError, match="directory 'docs' is damaged"):
        vfs.check_directory("docs")


def test_dir_c9r_pointing_nowhere_is_a_clear_error(s3_tree: VaultFileSystem) -> None:
    # A well-formed id whose content folder does not exist (e.g. not synced yet).
    s3_tree.storage.pipe_file(dir_file(s3_tree, "docs"), b"00000000-0000-0000-0000-000000000000")
    vfs = reopen(s3_tree)
    with pytest.raises(VaultCorruptError, match="directory 'docs' is damaged: its content folder"):
        vfs.ls("docs")
    with pytest.raises(VaultCorruptError, match="'docs'"):
        vfs.check_directory("docs")


def test_missing_dirid_c9r(s3_tree: VaultFileSystem) -> None:
    # dirid.c9r is a backup for recovery: a directory with children works without it...
    s3_tree.storage.rm_file(f"{content_dir(s3_tree, 'docs')}/{DIR_ID_BACKUP_FILE_NAME}")
    # ...but on S3 an empty directory without it has no content folder left at all.
    s3_tree.storage.rm_file(f"{content_dir(s3_tree, 'empty')}/{DIR_ID_BACKUP_FILE_NAME}")
    vfs = reopen(s3_tree)

    assert vfs.ls("docs", detail=False) == ["docs/a.txt", "docs/sub"]
    assert vfs.cat_file("docs/sub/b.txt") == b"b"
    with pytest.raises(VaultCorruptError, match="directory 'empty' is damaged"):
        vfs.ls("empty")
    with pytest.raises(VaultCorruptError, match="directory 'empty' is damaged"):
        vfs.check_directory("empty")
    # The root's own backup missing does not stop the root from listing.
    s3_tree.storage.rm_file(f"{content_dir(s3_tree, '')}/{DIR_ID_BACKUP_FILE_NAME}")
    assert "top.txt" in reopen(s3_tree).ls("", detail=False)


def test_truncated_file_is_shown_damaged_and_can_be_removed(
    s3_tree: VaultFileSystem, tmp_path: Path
) -> None:
    vfs = s3_tree
    vfs.pipe_file("docs/big.bin", os.urandom(100_000))
    stored = vfs.info("docs/big.bin")["ciphertext_path"]
    # Cut inside a chunk's nonce: no writer produces that size (a half-synced upload).
    vfs.storage.pipe_file(stored, vfs.storage.cat_file(stored)[: 68 + 32_796 + 10])
    vfs = reopen(vfs)

    listed = {i["name"]: i for i in vfs.ls("docs")}["docs/big.bin"]
    info = vfs.info("docs/big.bin")
    for entry in (listed, info):
        assert entry["damaged"] and entry["size"] == 0
    assert vfs.exists("docs/big.bin") and vfs.isfile("docs/big.bin")
    for action in (lambda: vfs.cat_file("docs/big.bin"),
                   lambda: vfs.get_file("docs/big.bin", str(tmp_path / "out")),
                   lambda: vfs.verify_file("docs/big.bin")):
        with pytest.raises(VaultCorruptError, match=r"file 'docs/big\.bin' is damaged"):
            action()
    assert not (tmp_path / "out").exists()
    vfs.rm("docs/big.bin")
    assert not vfs.exists("docs/big.bin")


# --- storage that cannot be reached at all ------------------------------------------------------


def test_unreachable_s3_fails_fast_with_a_clear_message() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        VaultFileSystem(
            "s3://bucket/vault",
            storage_options={
                "key": "AKIDEXAMPLE",
                "secret": SECRET,
                "client_kwargs": {"endpoint_url": endpoint},
                "skip_instance_cache": True,
            },
            passphrase=PASSPHRASE,
        )
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"took {elapsed:.1f} s to give up"
    assert_clear(caught.value, "s3://bucket/vault")
    assert endpoint in str(caught.value)


def test_unreachable_s3_keeps_the_callers_retry_settings() -> None:
    from vaultui.fs.storage import open_location

    fs, _ = open_location(
        "s3://bucket/vault",
        {"config_kwargs": FAST_FAIL_CONFIG, "skip_instance_cache": True,
         "client_kwargs": {"endpoint_url": "http://127.0.0.1:1"}},
    )
    assert fs.config_kwargs["retries"] == FAST_FAIL_CONFIG["retries"]
    assert fs.config_kwargs["connect_timeout"] == FAST_FAIL_CONFIG["connect_timeout"]


def test_unreachable_sftp_fails_fast_with_a_clear_message(sftp_server: SSHServer) -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        VaultFileSystem(
            "sftp:///srv/vault",
            storage_options={"host": "127.0.0.1", "port": free_port(),
                             "username": sftp_server.username, "password": SECRET},
            passphrase=PASSPHRASE,
        )
    assert time.monotonic() - started < 10
    assert_clear(caught.value, "/srv/vault")


def test_messages_never_carry_credentials() -> None:
    cause = OSError(
        'Could not connect to "https://bucket.example/k?X-Amz-Signature=abc&X-Amz-Credential=d" '
        "with AccountKey=Zm9vYmFy;SharedAccessSignature=sv=1&sig=xyz password=hunter2"
    )
    message = str(unavailable_error("sftp://alice:hunter2@host/vault?token=t0k", cause))
    for secret in ("abc", "X-Amz", "Zm9vYmFy", "xyz", "hunter2", "t0k", "alice"):
        assert secret not in message, message
    assert "sftp://host/vault" in message and "https://bucket.example/k" in message


def test_only_connection_failures_count_as_unreachable() -> None:
    import asyncssh
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError
    from botocore.exceptions import (  # type: ignore[import-untyped]
        EndpointConnectionError,
        ReadTimeoutError,
    )

    assert is_unreachable(EndpointConnectionError(endpoint_url="http://x"))
    assert is_unreachable(ReadTimeoutError(endpoint_url="http://x"))
    assert is_unreachable(ServiceRequestError("Cannot connect to host 127.0.0.1:1"))
    assert is_unreachable(ServiceResponseError("Connection reset"))
    assert is_unreachable(asyncssh.ConnectionLost("gone"))
    assert is_unreachable(ConnectionRefusedError())
    assert is_unreachable(TimeoutError())
    for other in (FileNotFoundError(), PermissionError(), ValueError(), OSError(28, "full")):
        assert not is_unreachable(other)
