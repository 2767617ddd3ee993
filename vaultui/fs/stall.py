"""Failing an S3 request that makes no progress, instead of waiting for it forever.

aiohttp arms its read timeout only once a request's body is sent, and a request that
waits for "100 Continue" (botocore asks for it on every upload with a body) never
sends it: an S3 server that stops answering mid-upload held `put` for good. Here each
request is watched instead: while its body is being read out to the socket it makes
progress; once `read_timeout` seconds pass without any, it is cancelled.

The error it then raises is not one that botocore or s3fs retry (both would wait the
whole time again, up to fifteen times): the storage has already had its chance.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from typing import Any

from aiobotocore.httpsession import AIOHTTPSession


class StorageStalledError(ConnectionError):
    """The storage stopped answering in the middle of a request.

    A ConnectionError, so that callers report it as unreachable storage; not a
    TimeoutError, which s3fs would retry.
    """


class _Watched(io.RawIOBase):
    """A request body that notes the time whenever the HTTP client reads more of it."""

    def __init__(self, body: Any, progress: list[float]) -> None:
        super().__init__()
        self._body = body
        self._progress = progress

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._body.seekable())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._body.seek(offset, whence))

    def tell(self) -> int:
        return int(self._body.tell())

    def read(self, size: int = -1) -> bytes:
        data = bytes(self._body.read(size))
        self._progress[0] = time.monotonic()
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer)[:len(data)] = data
        return len(data)


class StallGuardedSession(AIOHTTPSession):  # type: ignore[misc]
    """aiobotocore's HTTP session, with every request cancelled after `read_timeout`
    seconds without progress (botocore's Config gives the session its timeouts)."""

    async def send(self, request: Any) -> Any:
        limit = self._timeout.sock_read
        if not limit:
            return await super().send(request)
        progress = [time.monotonic()]
        body = request.body
        if isinstance(body, io.IOBase):
            request.body = _Watched(body, progress)
        task = asyncio.ensure_future(super().send(request))
        try:
            while True:
                idle = time.monotonic() - progress[0]
                done, _ = await asyncio.wait({task}, timeout=max(0.0, limit - idle))
                if done:
                    return task.result()
                if time.monotonic() - progress[0] >= limit:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                    raise StorageStalledError(
                        f"the storage stopped answering (nothing moved for {limit:g} s)")
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            request.body = body
