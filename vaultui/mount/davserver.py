"""Serving a vault over WebDAV on 127.0.0.1, behind a random credential for this mount only.

Other local users can reach any loopback port, so the server never answers without the
credential: a random user name and password made for this mount, written to a file only
the mounting user can read (0600, in a private 0700 folder) and deleted on unmount. The
password is compared in constant time. Basic authentication is enough on loopback: the
bytes never leave the machine, and only root can watch loopback traffic.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cheroot import wsgi
from wsgidav.dc.base_dc import BaseDomainController
from wsgidav.wsgidav_app import WsgiDAVApp

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.mount.davprovider import VaultDAVProvider

log = logging.getLogger(__name__)

_USER_KEY = "vaultui.mount.user"
_PASSWORD_KEY = "vaultui.mount.password"  # noqa: S105 (a config key, not a password)


@dataclass(frozen=True, repr=False)
class Credential:
    user: str
    password: str

    @staticmethod
    def random() -> Credential:
        return Credential("vaultui-" + secrets.token_hex(4), secrets.token_urlsafe(24))

    def __repr__(self) -> str:
        return f"Credential(user={self.user!r}, password=<hidden>)"


class MountDomainController(BaseDomainController):  # type: ignore[misc]
    """Accepts exactly the mount's credential, with Basic authentication."""

    def __init__(self, wsgidav_app: Any, config: dict[str, Any]) -> None:
        super().__init__(wsgidav_app, config)
        self._user = config[_USER_KEY].encode()
        self._password = config[_PASSWORD_KEY].encode()

    def __str__(self) -> str:
        return "MountDomainController()"

    def get_domain_realm(self, path_info: str, environ: dict[str, Any]) -> str:
        return "vaultui"

    def require_authentication(self, realm: str, environ: dict[str, Any]) -> bool:
        return True

    def basic_auth_user(self, realm: str, user_name: str, password: str,
                        environ: dict[str, Any]) -> bool:
        # Both compared in full, in constant time, so timing tells nothing.
        user_ok = hmac.compare_digest(user_name.encode(), self._user)
        password_ok = hmac.compare_digest(password.encode(), self._password)
        if user_ok and password_ok:
            environ["wsgidav.auth.roles"] = ["admin"]
            return True
        return False

    def supports_http_digest_auth(self) -> bool:
        return False

    def digest_auth_user(self, realm: str, user_name: str, environ: dict[str, Any]) -> bool:
        return False


def write_credential_file(credential: Credential, url: str) -> Path:
    """A 0600 file in a fresh 0700 folder holding the URL, user and password (JSON)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(tempfile.mkdtemp(prefix="vaultui-mount-", dir=base if base and os.path.isdir(
        base) else None))
    path = folder / "credential.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url, "user": credential.user, "password": credential.password,
                   "pid": os.getpid()}, out)
        out.write("\n")
    return path


def remove_credential_file(path: Path) -> None:
    try:
        path.unlink()
        path.parent.rmdir()
    except OSError:
        pass


def make_app(vfs: VaultFileSystem, credential: Credential, *, read_only: bool = False) -> Any:
    """The WSGI application: the vault, locks (class 2), dead properties in memory."""
    config: dict[str, Any] = {
        "provider_mapping": {"/": VaultDAVProvider(vfs, read_only=read_only)},
        "http_authenticator": {
            "domain_controller": MountDomainController,
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        },
        _USER_KEY: credential.user,
        _PASSWORD_KEY: credential.password,
        "lock_storage": True,
        "property_manager": True,
        "verbose": 1,
        "logging": {"enable": False},
        "dir_browser": {"enable": True, "response_trailer": False, "davmount": False,
                        "ms_sharepoint_support": False, "libre_office_support": False},
        "suppress_version_info": True,
    }
    return WsgiDAVApp(config)


class DavServer:
    """A running WebDAV server of one vault on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(self, vfs: VaultFileSystem, *, port: int = 0, read_only: bool = False,
                 threads: int = 16) -> None:
        self.credential = Credential.random()
        self._server = wsgi.Server(("127.0.0.1", port), make_app(
            vfs, self.credential, read_only=read_only), numthreads=threads,
            server_name="vaultui")
        self._server.prepare()  # binds, so the port is known before serving
        self.port = int(self._server.bind_addr[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.credential_file = write_credential_file(self.credential, self.url)
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"DavServer({self.url!r})"

    def serve_forever(self) -> None:
        """Serve until stop() is called (from a signal handler or another thread)."""
        try:
            self._server.serve()
        finally:
            remove_credential_file(self.credential_file)

    def start(self) -> None:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="vaultui-webdav",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
        remove_credential_file(self.credential_file)


def credential_folders() -> list[Path]:
    """The folders where this user's running WebDAV mounts keep their credential files."""
    bases = {os.environ.get("XDG_RUNTIME_DIR") or "", tempfile.gettempdir()}
    found: list[Path] = []
    for base in sorted(b for b in bases if b and os.path.isdir(b)):
        found += sorted(Path(base).glob("vaultui-mount-*"))
    return found


def find_dav_mount(target: str) -> tuple[int, Path] | None:
    """The pid and credential file of this user's WebDAV mount at `target` (URL or file)."""
    candidates = [Path(target)] if os.path.isfile(target) else [
        f / "credential.json" for f in credential_folders()]
    want = target.rstrip("/")
    for path in candidates:
        try:
            if path.stat().st_uid != os.getuid():
                continue
            facts = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        named = Path(target) == path or str(facts.get("url", "")).rstrip("/") == want
        if named and _alive(int(facts["pid"])):
            return int(facts["pid"]), path
    return None


def _alive(pid: int) -> bool:
    """Whether a process runs (a killed server leaves its credential file behind)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
