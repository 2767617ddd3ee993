"""Dask on vaults: a 2-process distributed cluster, the threads and processes schedulers.

One LocalCluster per module (2 worker processes on loopback, no dashboard) keeps the
module near a minute. Every result is compared with the same work on plaintext storage.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import pickle
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudpickle
import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow.dataset as pads
import pytest
from dask.base import compute
from distributed import Client, LocalCluster, get_task_stream

from tests.fs.conftest import CHEAP_SCRYPT
from vaultui.crypto.keysource import KeySourceError, ProcessKeySource
from vaultui.dask import VaultKeys
from vaultui.fs.filesystem import KeyInProcessWarning, VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.keysource import EnvKeySource

PASSPHRASE = "dask tests passphrase ✓"
#: Spawned worker processes (the processes scheduler) inherit the environment.
ENV_NAME = "VAULTUI_DASK_TEST_PASSPHRASE"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def passphrase_in_environment() -> Iterator[None]:
    os.environ[ENV_NAME] = PASSPHRASE
    yield
    os.environ.pop(ENV_NAME, None)


@pytest.fixture(scope="module")
def process_pool(passphrase_in_environment: None) -> Iterator[ProcessPoolExecutor]:
    """One pool for every test of the processes scheduler: spawning interpreters is slow."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.fixture(scope="module")
def client(passphrase_in_environment: None) -> Iterator[Client]:
    with warnings.catch_warnings():
        # distributed's start-up may warn about its own configuration; not ours to fail on.
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                               host="127.0.0.1", dashboard_address=None)
    with cluster, Client(cluster) as dask_client:
        yield dask_client


@dataclass
class Place:
    """A vault and a plaintext folder beside it on the same storage."""

    fs: VaultFileSystem
    url: str
    storage_options: dict[str, Any]
    plain: str
    plain_options: dict[str, Any]

    def vault_options(self, **key: Any) -> dict[str, Any]:
        options: dict[str, Any] = {"fo": self.url, **key}
        if self.storage_options:
            options["target_options"] = self.storage_options
        return options


def s3_options(endpoint: str) -> dict[str, Any]:
    return {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": endpoint}}


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    if request.param == "local":
        url, options = str(tmp_path / "vault"), {}
        plain, plain_options = str(tmp_path / "plain"), {}
        Path(url).mkdir()
    else:
        location = request.getfixturevalue("s3fs_fs")
        options = s3_options(request.getfixturevalue("s3_server"))
        url = f"s3://{location.root}/vault"
        plain, plain_options = f"s3://{location.root}/plain", options
    VaultLocation.from_url(url, options).create(PASSPHRASE, scrypt_cost=CHEAP_SCRYPT)
    fs = VaultFileSystem(url, storage_options=options, key_source=EnvKeySource(ENV_NAME))
    return Place(fs, url, options, plain, plain_options)


def frame(rows: int = 2000) -> pd.DataFrame:
    return pd.DataFrame({"n": range(rows), "city": [f"city{i % 7}" for i in range(rows)],
                         "x": [i / 3 for i in range(rows)]})


def same(a: pd.DataFrame, b: pd.DataFrame, exact: bool = True) -> None:
    """Equal rows; with `exact`, equal dtypes too (Dask reads strings as its own dtype)."""
    pd.testing.assert_frame_equal(a.sort_values("n").reset_index(drop=True),
                                  b.sort_values("n").reset_index(drop=True),
                                  check_dtype=exact)


def write_and_read(target: str, options: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Write one frame as Parquet, CSV and JSON with Dask, read each back with Dask."""
    ddf = dd.from_pandas(frame(), npartitions=8)
    ddf.to_parquet(f"{target}/parquet", storage_options=options)
    ddf.to_csv(f"{target}/csv/*.csv", storage_options=options, index=False)
    ddf.to_json(f"{target}/json/*.json", storage_options=options)
    return {
        "parquet": dd.read_parquet(f"{target}/parquet", storage_options=options).compute(),
        "csv": dd.read_csv(f"{target}/csv/*.csv", storage_options=options).compute(),
        "json": dd.read_json(f"{target}/json/*.json", storage_options=options).compute(),
    }


def test_distributed_reads_and_writes_like_plaintext(client: Client, place: Place) -> None:
    client.register_plugin(VaultKeys(place.fs))
    options = place.vault_options(key_source=ProcessKeySource())
    with get_task_stream(client) as stream:
        in_vault = write_and_read("vaultui://tables", options)
    plain = write_and_read(place.plain, place.plain_options)
    for kind, result in in_vault.items():
        same(result, plain[kind])
        same(result, frame(), exact=False)
    assert len({task["worker"] for task in stream.data}) == 2  # both workers took part
    assert sorted(place.fs.ls("tables", detail=False)) == sorted(
        f"tables/{kind}" for kind in ("parquet", "csv", "json"))


def test_many_writers_into_one_new_folder_lose_nothing(client: Client, place: Place) -> None:
    """8 partitions, written by 2 worker processes into a folder that does not exist yet."""
    client.register_plugin(VaultKeys(place.fs))
    options = place.vault_options(key_source=ProcessKeySource())
    ddf = dd.from_pandas(frame(4000), npartitions=8)
    with get_task_stream(client) as stream:
        ddf.to_parquet("vaultui://new/deep/table", storage_options=options,
                       write_metadata_file=False)
    assert len({task["worker"] for task in stream.data}) == 2
    assert sorted(place.fs.ls("new/deep/table", detail=False)) == [
        f"new/deep/table/part.{i}.parquet" for i in range(8)]
    assert place.fs.ls("new", detail=False) == ["new/deep"]
    same(pd.read_parquet("new/deep/table", filesystem=place.fs), frame(4000), exact=False)


def fragment_rows(fs: VaultFileSystem, paths: list[str]) -> int:
    """Rows of the Parquet fragments at `paths`, read with pyarrow.dataset on a worker."""
    dataset = pads.dataset(paths, filesystem=fs, format="parquet")
    return int(dataset.count_rows())


def test_pyarrow_dataset_of_many_fragments_on_workers(client: Client, place: Place) -> None:
    parts = [frame(100).assign(n=lambda f, i=i: f["n"] + 100 * i) for i in range(24)]
    for i, part in enumerate(parts):
        part.to_parquet(f"frag/shard={i % 3}/part{i}.parquet", filesystem=place.fs)
    whole = pads.dataset("frag", filesystem=place.fs, format="parquet", partitioning="hive")
    assert len(list(whole.get_fragments())) == 24
    table = whole.to_table(filter=(pads.field("shard") == 1) & (pads.field("city") == "city0"))
    assert table.num_rows == sum(len(p[p["city"] == "city0"]) for p in parts[1::3])
    paths = sorted(f.path for f in whole.get_fragments())
    counts = client.gather(client.map(fragment_rows, [place.fs] * 4,
                                      [paths[i::4] for i in range(4)], pure=False))
    assert sum(counts) == 2400


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_local_schedulers_with_a_key_source(scheduler: str, place: Place,
                                            request: pytest.FixtureRequest) -> None:
    options = place.vault_options(key_source=EnvKeySource(ENV_NAME))
    ddf = dd.from_pandas(frame(), npartitions=4)
    config: dict[str, Any] = {"scheduler": scheduler}
    if scheduler == "processes":
        config["pool"] = request.getfixturevalue("process_pool")
    # to_parquet gives an expression, to_csv and to_json delayed objects: not one compute.
    with dask.config.set(config):
        ddf.to_parquet("vaultui://local/p", storage_options=options)
        compute(*ddf.to_csv("vaultui://local/c/*.csv", storage_options=options,
                                 index=False, compute=False),
                     *ddf.to_json("vaultui://local/j/*.json", storage_options=options,
                                  compute=False))
        results = compute(
            dd.read_parquet("vaultui://local/p", storage_options=options),
            dd.read_csv("vaultui://local/c/*.csv", storage_options=options),
            dd.read_json("vaultui://local/j/*.json", storage_options=options))
    for result in results:
        same(result, frame(), exact=False)


def test_a_passphrase_in_storage_options_warns_and_works_in_this_process(
        place: Place) -> None:
    """The issue's failure: read_csv raised TokenizationError on every scheduler."""
    options = place.vault_options(passphrase=PASSPHRASE)
    place.fs.pipe_file("t.csv", frame().to_csv(index=False).encode())
    with pytest.warns(KeyInProcessWarning, match="VaultKeys"):
        ddf = dd.read_csv("vaultui://t.csv", storage_options=options, blocksize=10_000)
        assert ddf.npartitions > 1
        same(ddf.compute(scheduler="threads"), frame(), exact=False)


def secret_forms(key: bytes) -> list[bytes]:
    """The passphrase and the key in the encodings a leak would take."""
    forms = [PASSPHRASE.encode(), PASSPHRASE.encode("unicode_escape")]
    for part in (key, key[:32], key[32:]):
        forms += [part, part.hex().encode(), part.hex().upper().encode(),
                  base64.b64encode(part), base64.urlsafe_b64encode(part),
                  base64.b64encode(part).rstrip(b"="), base64.urlsafe_b64encode(part).rstrip(b"=")]
    return forms


def assert_clean(where: str, blob: bytes, key: bytes) -> None:
    for form in secret_forms(key):
        assert form not in blob, f"a secret form appears in {where}"


def test_no_secret_in_tasks_scheduler_state_or_logs(client: Client, place: Place,
                                                    tmp_path: Path) -> None:
    client.register_plugin(VaultKeys(place.fs))
    key = place.fs.masterkey.raw
    options = place.vault_options(key_source=ProcessKeySource())
    ddf = dd.from_pandas(frame(), npartitions=4)
    writes = [ddf.to_parquet("vaultui://leak/p", storage_options=options, compute=False),
              *ddf.to_csv("vaultui://leak/c/*.csv", storage_options=options, index=False,
                          compute=False)]
    writes[0].compute()  # one kind of collection per compute (dask warns on mixing)
    compute(*writes[1:])
    reads = [dd.read_parquet("vaultui://leak/p", storage_options=options),
             dd.read_csv("vaultui://leak/c/*.csv", storage_options=options),
             dd.read_parquet("vaultui://leak/p", filesystem=place.fs)]
    for collection in [*writes, *reads]:
        assert_clean("an expression", cloudpickle.dumps(collection.__dask_graph__()), key)
        for name, task in dict(collection.__dask_graph__()).items():
            assert_clean(f"task {name}", cloudpickle.dumps(task), key)
        assert_clean("a collection", cloudpickle.dumps(collection), key)
    for read in reads:
        same(read.compute(), frame(), exact=False)
    dump = tmp_path / "state"
    client.dump_cluster_state(str(dump), format="msgpack")
    assert_clean("the cluster state", Path(f"{dump}.msgpack.gz").read_bytes(), key)
    import gzip

    assert_clean("the cluster state", gzip.decompress(
        Path(f"{dump}.msgpack.gz").read_bytes()), key)
    logs = [client.get_scheduler_logs(), *client.get_worker_logs().values()]
    assert_clean("the logs", pickle.dumps(logs), key)
    assert_clean("the logs", repr(logs).encode(), key)


def listing(fs: VaultFileSystem) -> list[str]:
    return list(fs.ls("", detail=False))


def test_workers_without_the_key_fail_clearly(client: Client, place: Place) -> None:
    other = VaultFileSystem(place.url, storage_options=place.storage_options,
                            passphrase=PASSPHRASE)
    with pytest.warns(KeyInProcessWarning):
        future = client.submit(listing, other, pure=False)
    with pytest.raises(KeySourceError, match=r"holds no key for vault .*VaultKeys"):
        future.result(timeout=60)
