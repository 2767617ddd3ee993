"""Real storage services for the tests, started on 127.0.0.1 and stopped again.

Plain Python without pytest, so the lifecycle can be read and debugged on its own;
``conftest.py`` turns these classes into fixtures and decides whether a missing service
skips or fails.

Every external process is started in its own process group (so stopping it also stops
anything it forked), writes its output to a log file (a pipe nobody drains would block it)
and, where ``setpriv`` exists, gets SIGKILL when pytest dies without running finalizers.
Every wait is a bounded loop that raises :class:`ServiceError` with the log's tail.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fsspec import AbstractFileSystem

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REPO = Path(__file__).resolve().parent.parent
AZURITE_BLOB = REPO / ".testenv" / "node" / "node_modules" / ".bin" / "azurite-blob"
SSHD_PATH = Path("/usr/sbin/sshd")

# Azurite's fixed development account; the key is public and documented by Microsoft.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class ServiceError(RuntimeError):
    """A service could not be started or stopped."""


class ServiceMissingError(ServiceError):
    """What a service needs is not installed here (scripts/setup.sh installs it)."""


class Location(NamedTuple):
    """A filesystem and the fresh, empty directory (bucket, container, folder) a test owns."""

    fs: AbstractFileSystem
    root: str


def free_port() -> int:
    """A loopback port that was free a moment ago, for servers that cannot bind port 0."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_tcp(port: int, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ServiceError(f"nothing accepts connections on {HOST}:{port}") from None
            time.sleep(0.05)


def wait_for_http(url: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until ``url`` answers at all (any HTTP status counts as up)."""
    # No proxies: a proxy from the environment must never see loopback test traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise ServiceError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.05)


class ServiceProcess:
    """An external server process with its own process group and a log file."""

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        if shutil.which("setpriv"):
            # Reaps the server even when pytest is killed and finalizers never run.
            argv = ["setpriv", "--pdeathsig", "SIGKILL", "--", *argv]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """Wait for ``pattern`` in the log; fail early if the process exits."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.log_path.read_text(errors="replace"))
            if match:
                return match
            if self.proc.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with {self.proc.returncode} before it was ready:\n"
                    + self.log_tail()
                )
            if time.monotonic() > deadline:
                raise ServiceError(
                    f"{self.name} not ready within {timeout:.0f} s:\n" + self.log_tail()
                )
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal the whole process group, escalate to SIGKILL, and reap the process."""
        if self.proc.poll() is None:
            self._signal_group(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT)
        # Children that outlived the leader (same group) go too.
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)


# --- S3 (moto) ---------------------------------------------------------------------------------


class MotoServer:
    """moto's S3 in server mode on a thread of this process: starts instantly.

    moto keeps its state per process, so every moto server in this process sees the same
    buckets; tests stay apart by using fresh bucket names.
    """

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as e:
            raise ServiceMissingError(f"moto is not installed ({e})") from e
        self._server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        self._server.start()
        try:
            host, port = self._server.get_host_and_port()
            self.endpoint_url = f"http://{host}:{port}"
            wait_for_http(f"{self.endpoint_url}/moto-api/")
        except BaseException:
            self._server.stop()
            raise

    def stop(self) -> None:
        self._server.stop()


# botocore settings for talking to a server that may be down: one attempt, short timeouts.
FAST_FAIL_CONFIG: dict[str, object] = {
    "retries": {"max_attempts": 1},
    "connect_timeout": 2,
    "read_timeout": 5,
}


class StoppableS3:
    """A moto S3 server in a child process that a test may kill or freeze at any moment.

    ``stop()`` sends SIGKILL, so in-flight requests see their connection drop as with a real
    outage (a server on a thread could only stop accepting new connections). ``start()``
    brings up a fresh, empty server on the same port, so clients can keep their endpoint.
    """

    def __init__(self, workdir: Path) -> None:
        try:
            import moto.server  # noqa: F401
        except ImportError as e:
            raise ServiceMissingError(f"moto is not installed ({e})") from e
        self._workdir = workdir
        self._process: ServiceProcess | None = None
        self.port = 0
        self.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.proc.poll() is None

    def start(self) -> None:
        if self.running:
            raise ServiceError("the stoppable S3 server is already running")
        argv = [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)]
        process = ServiceProcess("moto", argv, self._workdir)
        try:
            match = process.wait_for_log(r"Running on http://127\.0\.0\.1:(\d+)")
            if self.port == 0:
                self.port = int(match.group(1))
            wait_for_http(f"{self.endpoint_url}/moto-api/")
        except BaseException:
            process.stop(signal.SIGKILL)
            raise
        self._process = process

    def filesystem(self, **config_kwargs: object) -> AbstractFileSystem:
        """An S3FileSystem on this server; by default one that gives up fast when it is down."""
        return s3_filesystem(self.endpoint_url, **(config_kwargs or FAST_FAIL_CONFIG))

    def stop(self) -> None:
        """Kill the server abruptly (SIGKILL); a no-op when it is not running."""
        if self._process is not None:
            self.resume()  # a stopped process would not die before it is continued
            self._process.stop(signal.SIGKILL)
            self._process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers, as
        with a storage that hangs mid-request."""
        if self._process is None:
            raise ServiceError("the stoppable S3 server is not running")
        os.killpg(self._process.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server go on (SIGCONT); requests it held are answered then."""
        if self._process is not None:
            os.killpg(self._process.proc.pid, signal.SIGCONT)


def kms_client(endpoint_url: str, region: str = "us-east-1") -> Any:
    """A boto3 KMS client for the moto server (moto serves every AWS service on one port)."""
    import boto3

    return boto3.client("kms", endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def s3_filesystem(endpoint_url: str, **config_kwargs: object) -> AbstractFileSystem:
    """An S3FileSystem for a moto endpoint, never shared with other tests.

    No ``region_name``: with us-east-1 s3fs sends a LocationConstraint that moto rejects.
    ``config_kwargs`` go to botocore's Config, e.g. ``retries`` and timeouts for fault tests.
    """
    import s3fs

    fs: AbstractFileSystem = s3fs.S3FileSystem(
        key="testing",
        secret="testing",
        client_kwargs={"endpoint_url": endpoint_url},
        config_kwargs=config_kwargs,
        skip_instance_cache=True,
    )
    return fs


# --- Azure Blob (Azurite) ----------------------------------------------------------------------


class Azurite:
    """Azurite's blob service from .testenv/node, in memory, on a port of its choosing."""

    def __init__(self, workdir: Path) -> None:
        if not os.access(AZURITE_BLOB, os.X_OK):
            raise ServiceMissingError(f"{AZURITE_BLOB.relative_to(REPO)} is not installed")
        argv = [
            str(AZURITE_BLOB),
            "--blobHost", HOST,
            "--blobPort", "0",
            "--inMemoryPersistence",
            # No outbound telemetry: tests talk to loopback only.
            "--disableTelemetry",
            # azure-storage-blob may be newer than the API versions this Azurite knows.
            "--skipApiVersionCheck",
        ]  # fmt: skip
        self._process = ServiceProcess("azurite", argv, workdir)
        try:
            match = self._process.wait_for_log(r"successfully listens on http://127\.0\.0\.1:(\d+)")
            self.port = int(match.group(1))
            wait_for_tcp(self.port)
        except BaseException:
            self._process.stop()
            raise
        self.connection_string = (
            "DefaultEndpointsProtocol=http;"
            f"AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{HOST}:{self.port}/{AZURITE_ACCOUNT};"
        )

    def stop(self) -> None:
        self._process.stop()


def abfs_filesystem(connection_string: str) -> AbstractFileSystem:
    import adlfs

    fs: AbstractFileSystem = adlfs.AzureBlobFileSystem(
        connection_string=connection_string, skip_instance_cache=True
    )
    return fs


# --- SFTP (OpenSSH sshd) -----------------------------------------------------------------------


@dataclass(frozen=True)
class SSHServer:
    host: str
    port: int
    username: str
    client_key: Path


def _write_ed25519(path: Path) -> None:
    """An unencrypted OpenSSH ed25519 key pair at ``path`` and ``path``.pub (mode 600)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path.with_name(path.name + ".pub").write_bytes(public + b" vaultui-tests\n")


class SSHDaemon:
    """OpenSSH's sshd in the foreground with its own config, keys and port in ``workdir``.

    Only the current user may log in, with the generated client key only.
    """

    def __init__(self, workdir: Path) -> None:
        if not os.access(SSHD_PATH, os.X_OK):
            raise ServiceMissingError(
                f"{SSHD_PATH} is not installed (Debian package openssh-server)"
            )
        if os.geteuid() == 0:
            # sshd refuses to start without its privilege separation directory.
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        host_key = workdir / "host_ed25519"
        client_key = workdir / "client_ed25519"
        _write_ed25519(host_key)
        _write_ed25519(client_key)
        authorized = workdir / "authorized_keys"
        shutil.copyfile(client_key.with_name(client_key.name + ".pub"), authorized)
        username = getpass.getuser()

        # sshd cannot bind port 0, so take a free port and retry if someone else got it first.
        last_error: ServiceError | None = None
        for _attempt in range(5):
            port = free_port()
            config = workdir / "sshd_config"
            config.write_text(
                f"""\
Port {port}
ListenAddress {HOST}
HostKey {host_key}
PidFile {workdir / "sshd.pid"}
AuthorizedKeysFile {authorized}
AllowUsers {username}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The key files live under /tmp, which the ownership checks reject.
StrictModes no
UseDNS no
PrintMotd no
X11Forwarding no
# Tests open many connections at once; the default starts dropping them after 10.
MaxStartups 100
MaxSessions 100
Subsystem sftp internal-sftp
"""
            )
            process = ServiceProcess(
                "sshd", [str(SSHD_PATH), "-D", "-e", "-f", str(config)], workdir
            )
            try:
                process.wait_for_log(rf"Server listening on 127\.0\.0\.1 port {port}\b")
                wait_for_tcp(port)
            except ServiceError as e:
                process.stop()
                last_error = e
                continue
            except BaseException:
                process.stop()
                raise
            self._process = process
            self.server = SSHServer(HOST, port, username, client_key)
            return
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        self._process.stop()


def sftp_filesystem(server: SSHServer) -> AbstractFileSystem:
    import fsspec

    fs: AbstractFileSystem = fsspec.filesystem(
        "sftp",
        host=server.host,
        port=server.port,
        username=server.username,
        client_keys=[str(server.client_key)],
        known_hosts=None,
        skip_instance_cache=True,
    )
    return fs
