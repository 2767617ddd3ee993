"""Reading a whole S3 object with one streaming GET instead of one GET per block."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from fsspec.asyn import sync
from fsspec.spec import AbstractFileSystem

#: How often a dropped stream is picked up again where it stopped before giving up.
RESUMES = 3


class S3ObjectStream(io.RawIOBase):
    """A forward-only raw reader of one S3 object through s3fs.

    Ranged GETs cost a request (and on some servers a pass over the object) each; a
    sequential read of a whole file needs just one. Should the connection drop, the
    read resumes where it stopped, pinned to the same version by its ETag.
    """

    def __init__(self, fs: AbstractFileSystem, path: str, start: int = 0) -> None:
        super().__init__()
        self._fs = fs
        self._bucket, self._key, self._version = fs.split_path(path)
        self._pos = start
        self._etag: str | None = None
        self._body: Any = None
        self._open()

    def __repr__(self) -> str:
        return f"<S3ObjectStream {self._bucket}/{self._key} at {self._pos}>"

    def _open(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": self._key}
        if self._version:
            kwargs["VersionId"] = self._version
        if self._pos:
            kwargs["Range"] = f"bytes={self._pos}-"
        if self._etag:
            kwargs["IfMatch"] = self._etag
        response = sync(self._fs.loop, self._fs._call_s3, "get_object", **kwargs)
        self._etag = self._etag or response.get("ETag")
        self._body = response["Body"]

    def readable(self) -> bool:
        return True

    def read_exactly(self, size: int) -> bytes:
        """The next `size` bytes, or fewer only where the object ends."""
        parts: list[bytes] = []
        while size > 0:
            part = self.read(size)
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        for attempt in range(RESUMES + 1):
            try:
                data: bytes = sync(self._fs.loop, self._body.read, len(view))
                break
            except Exception:
                if attempt == RESUMES:
                    raise
                self._close_body()
                self._open()
        view[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def _close_body(self) -> None:
        body, self._body = self._body, None
        if body is not None:
            # A body that fails to close is gone anyway.
            with contextlib.suppress(Exception):
                body.close()

    def close(self) -> None:
        self._close_body()
        super().close()


def is_s3(fs: AbstractFileSystem) -> bool:
    """An s3fs filesystem (the only kind S3ObjectStream knows how to drive)."""
    return type(fs).__module__.startswith("s3fs") and hasattr(fs, "_call_s3")


class RangeReader:
    """Byte ranges of one storage object; on S3 consecutive ranges share one streaming GET.

    The first range is a ranged request; when a range starts where the previous one
    ended, the rest of the object is streamed instead of asking again for every block.
    Any jump closes the stream and goes back to ranged requests.
    """

    def __init__(self, fs: AbstractFileSystem, path: str,
                 ranged: Callable[[int, int], bytes]) -> None:
        self._fs = fs
        self._path = path
        self._ranged = ranged
        self._streams = is_s3(fs)
        self._next: int | None = None
        self._stream: S3ObjectStream | None = None

    def read(self, start: int, end: int) -> bytes:
        if self._streams and start == self._next:
            if self._stream is None:
                self._stream = S3ObjectStream(self._fs, self._path, start)
            data = self._stream.read_exactly(end - start)
        else:
            self.close()
            data = self._ranged(start, end)
        self._next = end
        return data

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
