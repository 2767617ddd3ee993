"""Reaching a storage location: fsspec URL or filesystem instance, plus atomic small writes."""

from __future__ import annotations

import contextlib
import io
import secrets
from typing import Any, BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

from vaultui.extras import check_protocol, explain_missing
from vaultui.fs.probe import probe, probe_target
from vaultui.fs.s3stream import S3ObjectStream, is_s3
from vaultui.fs.unreachable import translate_unreachable

#: Object stores where a written object becomes visible only when its upload completes.
COMMIT_ON_CLOSE_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "az", "abfss", "adl"})


#: botocore settings used unless the caller gives their own: a few quick retries, so an
#: unreachable endpoint fails in seconds (botocore's defaults take ~15 s per request).
S3_CONFIG_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 5,
    "retries": {"max_attempts": 3, "mode": "standard"},
}
_S3_PROTOCOLS = frozenset({"s3", "s3a"})


def _with_defaults(location: str, options: dict[str, Any]) -> dict[str, Any]:
    protocol = fsspec.core.split_protocol(location)[0]
    if protocol in _S3_PROTOCOLS and "::" not in location:
        config = {**S3_CONFIG_DEFAULTS, **(options.get("config_kwargs") or {})}
        options = {**options, "config_kwargs": config}
    return options


def open_location(
    location: str, storage_options: dict[str, Any] | None = None
) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem and the root path inside it for a URL or local path."""
    options = _with_defaults(location, dict(storage_options or {}))
    check_protocol(fsspec.core.split_protocol(location)[0] or "file")
    if "::" not in location:
        target = probe_target(fsspec.core.split_protocol(location)[0] or "file", options)
        if target is not None:
            probe(location, target)
    # Some filesystems (SFTP) connect right here.
    try:
        with translate_unreachable(location):
            fs, root = fsspec.core.url_to_fs(location, **options)
    except ImportError as exc:
        # An optional backend (adlfs, sshfs) is not installed: name the extra to install.
        protocol = fsspec.core.split_protocol(location.split("::")[-1])[0]
        better = explain_missing(exc, protocol)
        if better is None:
            raise
        raise better from None
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


def open_sequential(fs: AbstractFileSystem, path: str) -> BinaryIO:
    """A storage object's bytes from start to end, in as few requests as the backend allows.

    On S3 that is one streaming GET (a buffered file would send one ranged GET per block);
    elsewhere the backend's own file object, whose reads are sequential already.
    """
    if is_s3(fs):
        return io.BufferedReader(S3ObjectStream(fs, path), buffer_size=SEQUENTIAL_BUFFER)
    stream: BinaryIO = fs.open(path, "rb")
    return stream


def temp_name(path: str) -> str:
    """A hidden sibling name for a write in progress; listings skip hidden names."""
    head, _, tail = path.rpartition("/")
    name = f".{tail}.{secrets.token_hex(6)}.part"
    return f"{head}/{name}" if head else name


def write_atomic(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Write a small file so that readers see either the old or the new content, never half.

    An object store's PUT already is atomic; elsewhere write a temporary name and rename.
    """
    if commits_on_close(fs):
        fs.pipe_file(path, data)
        return
    tmp = temp_name(path)
    try:
        # Inside the try: a write that fails half-way (a full disk) leaves no temp either.
        fs.pipe_file(tmp, data)
        fs.mv(tmp, path)
    except BaseException:
        with contextlib.suppress(Exception):
            fs.rm_file(tmp)
        raise
