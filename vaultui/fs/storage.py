"""Reaching a storage location: fsspec URL or filesystem instance, plus atomic small writes."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from typing import Any, BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

from vaultui.fs.errors import VaultCorruptError
from vaultui.fs.probe import probe, probe_target
from vaultui.fs.s3stream import S3ObjectStream, is_s3
from vaultui.fs.unreachable import is_unreachable, translate_unreachable

#: Object stores where a written object becomes visible only when its upload completes.
COMMIT_ON_CLOSE_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "az", "abfss", "adl"})


#: Seconds a storage may go without answering (or taking more of an upload) before the
#: operation fails, unless VAULTUI_STORAGE_TIMEOUT or the caller says otherwise.
DEFAULT_STORAGE_TIMEOUT = 60.0
STORAGE_TIMEOUT_ENV = "VAULTUI_STORAGE_TIMEOUT"
#: Tries of one request, the first included, where the backend retries on its own.
STORAGE_ATTEMPTS = 3
_S3_PROTOCOLS = frozenset({"s3", "s3a"})
_AZURE_PROTOCOLS = frozenset({"abfs", "abfss", "az"})
_SFTP_PROTOCOLS = frozenset({"sftp", "ssh"})


def storage_timeout(value: float | str | None = None) -> float:
    """The timeout to use: `value` if given, else $VAULTUI_STORAGE_TIMEOUT, else 60 s.

    ValueError for anything but a positive number of seconds.
    """
    if value is None:
        value = os.environ.get(STORAGE_TIMEOUT_ENV) or DEFAULT_STORAGE_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"a storage timeout is a number of seconds, not {value!r}") from None
    if not 0 < seconds < float("inf"):
        raise ValueError(f"a storage timeout must be more than 0 seconds, not {value!r}")
    return seconds


def backend_defaults(protocol: str, timeout: float) -> dict[str, Any]:
    """Storage options that bound how long `protocol`'s backend waits and retries.

    S3: botocore's connect and read timeouts, a few retries, and a session that fails a
    request once nothing moved for `timeout` seconds (see stall.py). Azure: the Azure
    SDK's connect and read timeouts. SFTP: asyncssh's connect timeout and keepalives,
    which drop a connection whose server went silent.
    """
    if protocol in _S3_PROTOCOLS:
        # botocore retries a connect timeout (s3fs does not): three tries share `timeout`.
        config: dict[str, Any] = {
            "connect_timeout": timeout / STORAGE_ATTEMPTS,
            "read_timeout": timeout,
            "retries": {"max_attempts": STORAGE_ATTEMPTS, "mode": "standard"},
        }
        try:
            from vaultui.fs.stall import StallGuardedSession
        except ImportError:
            pass  # no s3fs (and aiobotocore) here: opening s3:// will say so
        else:
            config["http_session_cls"] = StallGuardedSession
        return {"config_kwargs": config}
    if protocol in _AZURE_PROTOCOLS:
        return {"connection_timeout": timeout, "read_timeout": timeout}
    if protocol in _SFTP_PROTOCOLS:
        interval = max(1.0, timeout / STORAGE_ATTEMPTS)
        return {"connect_timeout": timeout, "keepalive_interval": interval,
                "keepalive_count_max": STORAGE_ATTEMPTS}
    return {}


def _with_defaults(location: str, options: dict[str, Any], timeout: float | None = None
                   ) -> dict[str, Any]:
    """`options` completed with backend_defaults; what the caller gave wins, key by key."""
    if "::" in location:
        return options  # a chained URL: its options belong to several filesystems
    protocol = fsspec.core.split_protocol(location)[0] or "file"
    defaults = backend_defaults(protocol, storage_timeout(timeout))
    merged = {**defaults, **options}
    if "config_kwargs" in defaults:
        merged["config_kwargs"] = {**defaults["config_kwargs"],
                                   **(options.get("config_kwargs") or {})}
    return merged


def open_location(
    location: str, storage_options: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem and the root path inside it for a URL or local path.

    `timeout` (else $VAULTUI_STORAGE_TIMEOUT, else 60 s) bounds how long the storage may
    go without answering before an operation fails; see backend_defaults.
    """
    options = _with_defaults(location, dict(storage_options or {}), timeout)
    if "::" not in location:
        target = probe_target(fsspec.core.split_protocol(location)[0] or "file", options)
        if target is not None:
            probe(location, target)
    # Some filesystems (SFTP) connect right here.
    with translate_unreachable(location):
        fs, root = fsspec.core.url_to_fs(location, **options)
    return fs, canonical_root(fs, root)


def canonical_root(fs: AbstractFileSystem, root: str) -> str:
    """`root` as `fs` writes paths in its listings, without a trailing '/'."""
    path = str(fs._strip_protocol(root))
    return path.rstrip("/") if path not in ("/", "") else path


def join(root: str, *parts: str) -> str:
    """Join storage path parts with '/', whatever the root looks like."""
    path = root.rstrip("/")
    for part in parts:
        if part:
            path = f"{path}/{part}" if path else part
    return path


def protocols(fs: AbstractFileSystem) -> set[str]:
    proto = fs.protocol
    return {proto} if isinstance(proto, str) else set(proto)


def is_local(fs: AbstractFileSystem) -> bool:
    return isinstance(fs, LocalFileSystem)


#: Storages whose folders are real objects, removed only when empty.
REAL_DIRECTORY_PROTOCOLS = frozenset({"file", "local", "memory", "sftp", "ssh"})


def has_real_directories(fs: AbstractFileSystem) -> bool:
    """Whether an emptied folder stays behind (and `rmdir` safely removes only empty ones).

    Object stores have no folders to clean up, and some remove a whole bucket on rmdir.
    """
    return bool(protocols(fs) & REAL_DIRECTORY_PROTOCOLS)


def commits_on_close(fs: AbstractFileSystem) -> bool:
    return bool(protocols(fs) & COMMIT_ON_CLOSE_PROTOCOLS)


#: Bytes asked of a sequential stream at a time.
SEQUENTIAL_BUFFER = 4 * 1024 * 1024

#: Filesystems whose cat_file ignores start/end (sshfs returns the whole file).
_RANGELESS_CAT_PROTOCOLS = frozenset({"ssh", "sftp"})


def read_range(fs: AbstractFileSystem, path: str, start: int, end: int) -> bytes:
    """Bytes [start, end) of a storage object, fetching only those bytes."""
    if protocols(fs) & _RANGELESS_CAT_PROTOCOLS:
        with fs.open(path, "rb") as f:
            f.seek(start)
            return bytes(f.read(end - start))
    return bytes(fs.cat_file(path, start=start, end=end))


def read_small(fs: AbstractFileSystem, path: str, cap: int, what: str) -> bytes:
    """A small file's bytes, reading at most `cap` + 1 of them.

    The vault's own small files (dir.c9r, name.c9s, symlink.c9r, the config, the
    masterkey file) are read whole; a hostile vault can make any of them gigabytes.
    VaultCorruptError naming `what` if the file is larger than `cap`.
    """
    data = read_head(fs, path, cap + 1)
    if len(data) > cap:
        raise VaultCorruptError(f"{what} is damaged: larger than the {cap} bytes it can be")
    return data


def _may_be_empty(exc: OSError) -> bool:
    """Whether a failed ranged read may just have asked for bytes of an empty object
    (S3 answers 416, "range not satisfiable", rather than nothing)."""
    return not isinstance(exc, FileNotFoundError | PermissionError) and not is_unreachable(exc)


def read_head(fs: AbstractFileSystem, path: str, size: int) -> bytes:
    """The first `size` bytes of an object (all of it if it is shorter, even empty)."""
    try:
        return read_range(fs, path, 0, size)
    except OSError as exc:
        if not _may_be_empty(exc) or fs.size(path) != 0:
            raise
        return b""


def read_small_many(fs: AbstractFileSystem, paths: list[str], cap: int, what: str
                    ) -> dict[str, bytes | Exception]:
    """read_small of several files at once (one batch where the storage allows): each
    path's bytes, or the exception reading it raised (a missing file, one too large)."""
    if not paths:
        return {}
    raw: list[Any]
    if protocols(fs) & _RANGELESS_CAT_PROTOCOLS:
        raw = [None] * len(paths)
    else:
        raw = fs.cat_ranges(paths, [0] * len(paths), [cap + 1] * len(paths),
                            on_error="return")
    found: dict[str, bytes | Exception] = {}
    for path, data in zip(paths, raw, strict=True):
        if data is None or (isinstance(data, OSError) and _may_be_empty(data)):
            try:
                data = read_head(fs, path, cap + 1)
            except Exception as exc:
                data = exc
        if isinstance(data, Exception):
            found[path] = data
        elif len(data) > cap:
            found[path] = VaultCorruptError(
                f"{what} {path} is damaged: larger than the {cap} bytes it can be")
        else:
            found[path] = bytes(data)
    return found


def open_sequential(fs: AbstractFileSystem, path: str) -> BinaryIO:
    """A storage object's bytes from start to end, in as few requests as the backend allows.

    On S3 that is one streaming GET (a buffered file would send one ranged GET per block);
    elsewhere the backend's own file object, whose reads are sequential already.
    """
    if is_s3(fs):
        return io.BufferedReader(S3ObjectStream(fs, path), buffer_size=SEQUENTIAL_BUFFER)
    stream: BinaryIO = fs.open(path, "rb")
    return stream


#: Temporary names end so; see temp_name. FORMAT.md lists where they may appear.
TEMP_SUFFIX = ".part"


def temp_name(path: str) -> str:
    """A hidden sibling name for a write in progress; listings skip hidden names.

    `.<name>.<12 random hex digits>.part`: random, so that two writers (or a user's own
    file of that name) never share one; recognisable, so that `clean` can find what an
    interrupted write left (is_temp_name).
    """
    head, _, tail = path.rpartition("/")
    name = f".{tail}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    return f"{head}/{name}" if head else name


def is_temp_name(name: str) -> bool:
    """Whether a file name (no folder) is one temp_name makes, or an older vaultui made
    (`.<name>.part`). Nothing else in a vault is hidden: encrypted names never start
    with a dot."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX) and len(name) > 1 + len(
        TEMP_SUFFIX)


def write_atomic(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Write a small file so that readers see either the old or the new content, never half.

    An object store's PUT already is atomic; elsewhere write a temporary name and rename.
    Whatever fails (a full disk halfway through the temporary file, the rename), the
    temporary file is removed again.
    """
    if commits_on_close(fs):
        fs.pipe_file(path, data)
        return
    tmp = temp_name(path)
    try:
        fs.pipe_file(tmp, data)
        fs.mv(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):
            if fs.exists(tmp):
                fs.rm_file(tmp)
        raise
