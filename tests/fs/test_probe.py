"""A dead Azure endpoint fails in seconds, not after azure-storage's ~90 s of retries."""

from __future__ import annotations

import time

import pytest

from tests.services import Location, free_port
from vaultui.fs.errors import StorageUnavailableError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.probe import azure_blob_endpoint, probe, probe_target
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "correct horse battery staple"
#: Azurite's published development key (not a secret), standing in for any account key.
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")


def connection_string(endpoint: str) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};")


def test_a_dead_azure_endpoint_fails_at_once_with_a_clear_message() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        VaultFileSystem("abfs://container/vault", passphrase=PASSPHRASE, storage_options={
            "connection_string": connection_string(f"http://127.0.0.1:{port}/devstoreaccount1")})
    assert time.monotonic() - started < 10  # was ~90 s
    message = str(caught.value)
    assert "abfs://container/vault" in message and f"127.0.0.1:{port}" in message
    assert ACCOUNT_KEY[:20] not in message


def test_a_live_azure_endpoint_is_probed_and_opens(azurite: str, abfs_fs: Location) -> None:
    target = probe_target("abfs", {"connection_string": azurite}, environ={})
    assert target is not None and target[0] == "127.0.0.1"
    probe("abfs://c/v", target)  # answers: no error
    url = f"abfs://{abfs_fs.root}/vault"
    options = {"connection_string": azurite, "skip_instance_cache": True}
    VaultLocation.from_url(url, storage_options=options).create(PASSPHRASE, scrypt_cost=1 << 10)
    fs = VaultFileSystem(url, passphrase=PASSPHRASE, storage_options=options)
    fs.pipe_file("a.txt", b"a")
    assert fs.cat_file("a.txt") == b"a"


@pytest.mark.parametrize(("options", "environ", "endpoint"), [
    ({"connection_string": connection_string("http://10.0.0.5:10000/acct")}, {},
     "http://10.0.0.5:10000/acct"),
    ({"connection_string": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k;"
                           "EndpointSuffix=core.chinacloudapi.cn"}, {},
     "https://acct.blob.core.chinacloudapi.cn"),
    ({"connection_string": "AccountName=acct;AccountKey=k"}, {},
     "https://acct.blob.core.windows.net"),
    ({"connection_string": "UseDevelopmentStorage=true"}, {},
     "http://127.0.0.1:10000/devstoreaccount1"),
    ({"account_host": "acct.blob.example.net"}, {}, "https://acct.blob.example.net"),
    ({"account_name": "acct"}, {}, "https://acct.blob.core.windows.net"),
    ({}, {"AZURE_STORAGE_ACCOUNT_NAME": "envacct"}, "https://envacct.blob.core.windows.net"),
    ({}, {"AZURE_STORAGE_CONNECTION_STRING": "AccountName=c;AccountKey=k"},
     "https://c.blob.core.windows.net"),
    ({}, {}, None),
    ({"connection_string": "SharedAccessSignature=sv=1"}, {}, None),
])
def test_the_endpoint_adlfs_would_use(options: dict[str, str], environ: dict[str, str],
                                      endpoint: str | None) -> None:
    assert azure_blob_endpoint(options, environ) == endpoint


@pytest.mark.parametrize(("endpoint", "target"), [
    ("http://127.0.0.1:10000/devstoreaccount1", ("127.0.0.1", 10000)),
    ("http://host.example/acct", ("host.example", 80)),
    ("https://acct.blob.core.windows.net", ("acct.blob.core.windows.net", 443)),
    ("acct.blob.example.net", ("acct.blob.example.net", 443)),
    ("http://host:notaport/", None),
])
def test_what_is_probed(endpoint: str, target: tuple[str, int] | None) -> None:
    options = {"connection_string": f"AccountName=a;AccountKey=k;BlobEndpoint={endpoint}"}
    assert probe_target("abfs", options, environ={}) == target
    assert probe_target("az", options, environ={}) == target


def test_no_probe_through_a_proxy_or_for_other_storages() -> None:
    options = {"account_name": "acct"}
    assert probe_target("abfs", options, environ={"HTTPS_PROXY": "http://proxy:3128"}) is None
    assert probe_target("abfs", options, environ={"all_proxy": "socks5://proxy"}) is None
    for protocol in ("s3", "file", "sftp", "memory"):
        assert probe_target(protocol, options, environ={}) is None


def test_a_name_that_does_not_resolve_is_reported_plainly() -> None:
    with pytest.raises(StorageUnavailableError, match=r"nothing answers at no-such-host\.invalid"):
        probe("abfs://c/v", ("no-such-host.invalid", 443), timeout=5)
