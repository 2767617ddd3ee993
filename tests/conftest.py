"""Shared fixtures: real S3, Azure Blob, SFTP and Secret Service on 127.0.0.1.

Servers are started by the fixtures themselves (see ``services.py``) and stopped when the
session ends. A service whose program is missing skips its tests with "run scripts/test.sh",
except under CI=true, where it fails: CI must never pass by skipping the real services.

Fixtures (what they give):

* ``s3_server`` (session): endpoint URL of moto's S3 server.
* ``s3fs_fs``: ``Location(fs, root)``: an ``s3fs.S3FileSystem`` and a fresh bucket.
* ``s3_stoppable``: a :class:`services.StoppableS3` of its own, for fault tests:
  ``.filesystem()``, ``.stop()`` (SIGKILL), ``.start()`` (fresh, same port), ``.endpoint_url``.
* ``azurite`` (session): connection string of Azurite's blob service.
* ``abfs_fs``: ``Location(fs, root)``: an ``adlfs.AzureBlobFileSystem`` and a fresh container.
* ``sftp_server`` (session): :class:`services.SSHServer` (host, port, username, client_key).
* ``sftp_fs``: ``Location(fs, root)``: an sshfs ``SSHFileSystem`` and a fresh directory.
* ``storage``: ``Location`` parametrized over local, s3, azure and sftp.
* ``secret_service`` (session): the ``keyring`` Secret Service backend, unlocked.

Tests using them get the markers ``s3``, ``azure``, ``sftp`` and ``keyring``, so
``-m "not azure"`` works as expected.
"""

from __future__ import annotations

import os

# Before anything can import Qt: the platform plugin is chosen when the QApplication starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Vault pins (trust on first use) go to a file of this run, never the user's config folder;
# child processes (vaultui-cli) inherit it.
os.environ.setdefault("VAULTUI_KNOWN_VAULTS", os.path.join(
    __import__("tempfile").mkdtemp(prefix="vaultui-pins-"), "known_vaults"))

import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import fsspec
import pytest

from tests.services import (
    Azurite,
    Location,
    MotoServer,
    ServiceMissingError,
    SSHDaemon,
    SSHServer,
    StoppableS3,
    abfs_filesystem,
    kms_client,
    s3_filesystem,
    sftp_filesystem,
)

T = TypeVar("T")

# A test that uses the key fixture (directly or through another fixture) gets the marker.
SERVICE_MARKERS = {
    "s3_server": "s3",
    "s3_stoppable": "s3",
    "azurite": "azure",
    "sftp_server": "sftp",
    "secret_service": "keyring",
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        for fixture, marker in SERVICE_MARKERS.items():
            if fixture in names:
                item.add_marker(marker)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: service tests must run, not skip)", pytrace=False)
    pytest.skip(f"{reason}: run scripts/test.sh")


def start(factory: Callable[..., T], *args: Any) -> T:
    try:
        return factory(*args)
    except ServiceMissingError as e:
        unavailable(str(e))


def fresh_name() -> str:
    """A new bucket/container name: lowercase, digits and '-', 3-63 chars for S3 and Azure."""
    return f"vaultui-{uuid.uuid4().hex[:16]}"


# --- S3 ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    server = start(MotoServer)
    yield server.endpoint_url
    server.stop()


@pytest.fixture
def s3fs_fs(s3_server: str) -> Location:
    fs = s3_filesystem(s3_server)
    bucket = fresh_name()
    fs.mkdir(bucket)
    return Location(fs, bucket)


@pytest.fixture
def kms_key(s3_server: str) -> tuple[Any, str]:
    """A KMS client on the moto server and the id of a fresh symmetric key in it."""
    client = kms_client(s3_server)
    key_id = client.create_key(Description="vaultui test key")["KeyMetadata"]["KeyId"]
    return client, key_id


@pytest.fixture
def s3_stoppable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoppableS3]:
    server = start(StoppableS3, tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


# --- Azure Blob --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start(Azurite, tmp_path_factory.mktemp("azurite"))
    yield server.connection_string
    server.stop()


@pytest.fixture
def abfs_fs(azurite: str) -> Location:
    fs = abfs_filesystem(azurite)
    container = fresh_name()
    # Not makedirs: adlfs' makedirs(container, exist_ok=True) silently creates nothing.
    fs.mkdir(container)
    return Location(fs, container)


# --- SFTP --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SSHServer]:
    sshd = start(SSHDaemon, tmp_path_factory.mktemp("sshd"))
    yield sshd.server
    sshd.stop()


@pytest.fixture
def sftp_fs(sftp_server: SSHServer, tmp_path: Path) -> Location:
    fs = sftp_filesystem(sftp_server)
    # sshd runs on this machine as this user, so a local temporary directory is the root.
    root = str(tmp_path / "sftp-root")
    fs.mkdir(root)
    return Location(fs, root)


# --- Any storage -------------------------------------------------------------------------------


@pytest.fixture(
    params=[
        "local",
        pytest.param("s3", marks=pytest.mark.s3),
        pytest.param("azure", marks=pytest.mark.azure),
        pytest.param("sftp", marks=pytest.mark.sftp),
    ]
)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """The same test on every kind of storage vaultui supports."""
    if request.param == "local":
        root = tmp_path / "local-root"
        root.mkdir()
        return Location(fsspec.filesystem("file"), str(root))
    fixture = {"s3": "s3fs_fs", "azure": "abfs_fs", "sftp": "sftp_fs"}[request.param]
    location: Location = request.getfixturevalue(fixture)
    return location


# --- OS keyring --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def secret_service() -> Any:
    """The Secret Service keyring backend; skips only outside scripts/test.sh (no D-Bus)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        unavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)")
    # Inside a session bus the keyring must work: anything else is a failure, not a skip.
    import keyring
    import keyring.errors
    from keyring.backends import SecretService

    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        pytest.fail(
            f"D-Bus is up but keyring chose {type(backend).__module__}.{type(backend).__name__}"
            " instead of the Secret Service: is gnome-keyring running?",
            pytrace=False,
        )
    try:
        # keyring leaves closing the D-Bus connection of this call to its caller.
        with closing(backend.get_preferred_collection().connection):
            pass
    except keyring.errors.KeyringError as e:
        pytest.fail(f"the Secret Service is not usable (is it unlocked?): {e}", pytrace=False)
    return backend
