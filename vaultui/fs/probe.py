"""A quick TCP probe of an Azure Blob endpoint, so that a dead one fails in seconds.

adlfs builds its Azure clients itself, and azure-storage's retry policy (three retries,
backing off 15, 18 and 24 s) makes a wrong host or port take about 90 s to report. The
retries are right for a storage that falters mid-transfer; for a vault that is being
opened, one TCP connection tells at once whether anything answers there.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from vaultui.fs.errors import StorageUnavailableError
from vaultui.fs.unreachable import redact

#: How long a probe waits for the endpoint to accept a connection.
PROBE_TIMEOUT_S = 5.0
#: With any of these set, connections go through a proxy, and a direct probe would prove
#: nothing (or fail where the real connection works): no probe then.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy")
AZURE_PROTOCOLS = frozenset({"abfs", "abfss", "az"})
#: Azurite's well-known development endpoint, for "UseDevelopmentStorage=true".
DEVELOPMENT_BLOB_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"


def _connection_string_fields(connection_string: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in connection_string.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


def azure_blob_endpoint(options: Mapping[str, Any],
                        environ: Mapping[str, str] = os.environ) -> str | None:
    """The blob service URL adlfs would connect to with these options, when it can be told."""
    connection_string = options.get("connection_string") or environ.get(
        "AZURE_STORAGE_CONNECTION_STRING")
    if connection_string:
        fields = _connection_string_fields(str(connection_string))
        if fields.get("usedevelopmentstorage", "").lower() == "true":
            return DEVELOPMENT_BLOB_ENDPOINT
        if fields.get("blobendpoint"):
            return fields["blobendpoint"]
        if fields.get("accountname"):
            scheme = fields.get("defaultendpointsprotocol", "https")
            suffix = fields.get("endpointsuffix", "core.windows.net")
            return f"{scheme}://{fields['accountname']}.blob.{suffix}"
        return None
    if options.get("account_host"):
        return f"https://{options['account_host']}"
    account = options.get("account_name") or environ.get("AZURE_STORAGE_ACCOUNT_NAME")
    return f"https://{account}.blob.core.windows.net" if account else None


def probe_target(protocol: str, options: Mapping[str, Any],
                 environ: Mapping[str, str] = os.environ) -> tuple[str, int] | None:
    """The (host, port) to probe before opening `protocol` with `options`, or None."""
    if protocol not in AZURE_PROTOCOLS or any(environ.get(v) for v in PROXY_VARIABLES):
        return None
    endpoint = azure_blob_endpoint(options, environ)
    if endpoint is None:
        return None
    parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    if not parts.hostname:
        return None
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError:  # a port that is no number: let the backend say what is wrong
        return None
    return parts.hostname, port


def probe(location: str, target: tuple[str, int], timeout: float = PROBE_TIMEOUT_S) -> None:
    """Connect to `target` and hang up; if nothing answers, StorageUnavailableError."""
    host, port = target
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = (f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError)
                  else exc.strerror or type(exc).__name__)
        raise StorageUnavailableError(
            f"cannot reach the storage of {redact(location)}: nothing answers at "
            f"{host}:{port} ({reason})") from exc
