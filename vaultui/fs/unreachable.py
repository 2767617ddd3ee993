"""Telling "the storage cannot be reached" apart from other errors, and saying so plainly."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from vaultui.fs.errors import StorageUnavailableError

F = TypeVar("F", bound=Callable[..., Any])

#: Connection failures of the fsspec backends that are not OSErrors, by qualified class name,
#: so that checking for them imports none of the (optional) backend packages.
_CONNECTION_ERRORS = frozenset({
    # s3fs passes these through untranslated (EndpointConnectionError, ConnectTimeoutError,
    # ConnectionClosedError, ReadTimeoutError, ...).
    "botocore.exceptions.ConnectionError",
    "botocore.exceptions.HTTPClientError",
    # adlfs (azure-core over aiohttp).
    "azure.core.exceptions.ServiceRequestError",
    "azure.core.exceptions.ServiceResponseError",
    "aiohttp.client_exceptions.ClientConnectionError",
    # sshfs (asyncssh): the SSH connection or its SFTP channel went away.
    "asyncssh.misc.DisconnectError",
    "asyncssh.sftp.SFTPConnectionLost",
})

# Credentials can ride in URLs (user:password@, SAS tokens and presigned queries) and in
# connection strings; none of them may reach a message a user might paste somewhere.
_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s\"']*@")
_QUERY = re.compile(r"(://[^\s?\"']*)\?[^\s\"']*")
_SECRET_FIELD = re.compile(
    r"\b(AccountKey|SharedAccessSignature|sig|secret|password|token|key)=[^;&\s\"']*",
    re.IGNORECASE,
)


def is_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the storage could not be reached (as opposed to refused or missing)."""
    if isinstance(exc, StorageUnavailableError):
        return True
    # Builtin ConnectionError covers refused/reset/aborted sockets; TimeoutError covers
    # socket and fsspec (FSTimeoutError) timeouts.
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(f"{cls.__module__}.{cls.__qualname__}" in _CONNECTION_ERRORS
               for cls in type(exc).__mro__)


def redact(text: str) -> str:
    """`text` without URL credentials, query strings or key=value secrets."""
    text = _USERINFO.sub(r"\1", text)
    text = _QUERY.sub(r"\1", text)
    return _SECRET_FIELD.sub(r"\1=…", text)


def unavailable_error(url: str, exc: BaseException) -> StorageUnavailableError:
    """The error to raise for `exc`, naming the storage location `url`."""
    detail = redact(str(exc).strip()) or type(exc).__name__
    return StorageUnavailableError(f"cannot reach the storage of {redact(url)}: {detail}")


@contextmanager
def translate_unreachable(url: str) -> Iterator[None]:
    """Turn a backend's connection failure inside the block into StorageUnavailableError."""
    try:
        yield
    except StorageUnavailableError:
        raise
    except Exception as exc:
        if is_unreachable(exc):
            raise unavailable_error(url, exc) from exc
        raise


def storage_call(method: F) -> F:
    """Decorate a method of an object with a `url` or a `location.url`: its storage's
    connection failures surface as StorageUnavailableError naming that location."""

    @functools.wraps(method)
    def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StorageUnavailableError:
            raise
        except Exception as exc:
            if is_unreachable(exc):
                location = getattr(self, "location", self)
                raise unavailable_error(str(location.url), exc) from exc
            raise

    return cast(F, wrapper)
