"""The vault as a wsgidav resource tree: files stream in and out, never whole in memory.

GET streams from a ranged decrypting reader (wsgidav seeks it for Range requests); PUT
streams into the vault's atomic writer, so a failed or interrupted upload publishes
nothing. A PUT of a new file makes no empty placeholder: the file appears when complete.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from wsgidav import util
from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import split_path
from vaultui.mount.listings import Info, timestamp_of
from vaultui.mount.names import check_name, http_status_of

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def _dav_errors(func: F) -> F:
    """Answer vault exceptions with their HTTP status instead of a 500."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DAVError:
            raise
        except Exception as exc:
            status = http_status_of(exc)
            if status >= 500:
                log.warning("%s failed: %s", func.__name__, type(exc).__name__)
            raise DAVError(status) from None

    return wrapper  # type: ignore[return-value]


def _rel(path: str) -> str:
    return path.strip("/")


class VaultFile(DAVNonCollection):  # type: ignore[misc]
    """A file of the vault; `info` is None for a file a PUT is about to create."""

    def __init__(self, path: str, environ: dict[str, Any], provider: VaultDAVProvider,
                 info: Info | None) -> None:
        super().__init__(path, environ)
        self._vault = provider
        self._info = info or {"size": 0}
        self._writer: Any = None

    def get_content_length(self) -> int:
        return int(self._info.get("size") or 0)

    def get_content_type(self) -> str:
        return str(util.guess_mime_type(self.path, self.environ.get("wsgidav.config", {})))

    def get_creation_date(self) -> float | None:
        return None

    def get_last_modified(self) -> float:
        return timestamp_of(self._info)

    def get_etag(self) -> str:
        basis = f"{self._info.get('ciphertext_size')}:{self.get_last_modified()}"
        return hashlib.sha256(basis.encode()).hexdigest()[:32]

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return True

    @_dav_errors
    def get_content(self) -> Any:
        return self._vault.vfs.open(_rel(self.path), "rb")

    @_dav_errors
    def begin_write(self, *, content_type: str | None = None) -> Any:
        self._vault.check_writable()
        self._writer = self._vault.vfs.open(_rel(self.path), "wb")
        return self._writer

    def end_write(self, *, with_errors: bool) -> None:
        writer, self._writer = self._writer, None
        if writer is not None and with_errors:
            writer.discard()  # an interrupted PUT publishes nothing

    @_dav_errors
    def delete(self) -> None:
        self._vault.check_writable()
        self._vault.vfs.rm_file(_rel(self.path))
        self.remove_all_properties(recursive=True)
        self.remove_all_locks(recursive=True)

    @_dav_errors
    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self._vault.check_writable()
        check_name(_rel(dest_path))
        if is_move:
            self._vault.vfs.mv(_rel(self.path), _rel(dest_path))
        else:
            self._vault.vfs.cp_file(_rel(self.path), _rel(dest_path))
        self._vault.copy_properties(self, dest_path, is_move)

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    @_dav_errors
    def move_recursive(self, dest_path: str) -> None:
        self.copy_move_single(dest_path, is_move=True)


class VaultFolder(DAVCollection):  # type: ignore[misc]
    """A folder of the vault; its members come from one listing."""

    def __init__(self, path: str, environ: dict[str, Any], provider: VaultDAVProvider,
                 info: Info) -> None:
        super().__init__(path, environ)
        self._vault = provider
        self._info = info

    def get_creation_date(self) -> float | None:
        return None

    def get_last_modified(self) -> float | None:
        return timestamp_of(self._info) if len(self._info) > 3 else None

    def get_etag(self) -> None:
        return None

    @_dav_errors
    def get_member_list(self) -> list[Any]:
        members: list[Any] = []
        base = self.path.rstrip("/")
        for info in self._vault.vfs.ls(_rel(self.path), detail=True):
            name = split_path(info["name"])[-1]
            members.append(self._vault.resource(f"{base}/{name}", self.environ, info))
        return members

    def get_member_names(self) -> list[str]:
        return [m.name for m in self.get_member_list()]

    def get_member(self, name: str) -> Any:
        return self._vault.get_resource_inst(util.join_uri(self.path, name), self.environ)

    @_dav_errors
    def create_empty_resource(self, name: str) -> Any:
        self._vault.check_writable()
        path = util.join_uri(self.path, name)
        check_name(_rel(path))
        if self.environ.get("REQUEST_METHOD") == "PUT":
            return VaultFile(path, self.environ, self._vault, None)  # appears when complete
        self._vault.vfs.pipe_file(_rel(path), b"", mode="create")  # e.g. LOCK on a new name
        return self._vault.get_resource_inst(path, self.environ)

    @_dav_errors
    def create_collection(self, name: str) -> None:
        self._vault.check_writable()
        path = util.join_uri(self.path, name)
        check_name(_rel(path))
        self._vault.vfs.mkdir(_rel(path), create_parents=False)

    @_dav_errors
    def delete(self) -> None:
        self._vault.check_writable()
        self._vault.vfs.rm(_rel(self.path), recursive=True)
        self.remove_all_properties(recursive=True)
        self.remove_all_locks(recursive=True)

    @_dav_errors
    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self._vault.check_writable()
        dest = _rel(dest_path)
        check_name(dest)
        if not self._vault.vfs.isdir(dest):
            self._vault.vfs.mkdir(dest, create_parents=False)
        self._vault.copy_properties(self, dest_path, is_move)

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    @_dav_errors
    def move_recursive(self, dest_path: str) -> None:
        self._vault.check_writable()
        check_name(_rel(dest_path))
        self._vault.vfs.mv(_rel(self.path), _rel(dest_path))
        self._vault.copy_properties(self, dest_path, True)


class VaultDAVProvider(DAVProvider):  # type: ignore[misc]
    """Serves one unlocked vault at the root of the server."""

    def __init__(self, vfs: VaultFileSystem, *, read_only: bool = False) -> None:
        super().__init__()
        self.vfs = vfs
        self.readonly = read_only

    def __repr__(self) -> str:
        return f"VaultDAVProvider({self.vfs.location.url!r})"

    def is_readonly(self) -> bool:
        return bool(self.readonly)

    def check_writable(self) -> None:
        if self.readonly:
            raise DAVError(HTTP_FORBIDDEN)

    def resource(self, path: str, environ: dict[str, Any], info: Info) -> Any:
        if info["type"] == "directory":
            return VaultFolder(path, environ, self, info)
        return VaultFile(path, environ, self, info)

    @_dav_errors
    def get_resource_inst(self, path: str, environ: dict[str, Any]) -> Any:
        self._count_get_resource_inst += 1
        rel = _rel(path)
        try:
            check_name(rel)
            info = self.vfs.info(rel)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if http_status_of(exc) == 414:
                return None  # no such name can exist; creating it answers 414
            raise
        return self.resource(path, environ, info)

    def copy_properties(self, res: Any, dest_path: str, is_move: bool) -> None:
        """Dead properties follow a copy or move (wsgidav keeps them in memory)."""
        manager = self.prop_manager
        if not manager:
            return
        dest = self.get_resource_inst(dest_path, res.environ)
        if dest is None:
            return
        with contextlib.suppress(Exception):
            if is_move:
                manager.move_properties(res.get_ref_url(), dest.get_ref_url(),
                                        with_children=True, environ=res.environ)
            else:
                manager.copy_properties(res.get_ref_url(), dest.get_ref_url(), res.environ)
