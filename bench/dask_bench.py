#!/usr/bin/env python3
"""Dask on a vault against Dask on plaintext: a Parquet dataset written and read on a cluster.

Usage: dask_bench.py [--size-mib 1024] [--files 16] [--runs 3] [--only local|s3]

Starts a moto S3 server (a child process) and a 2-worker `distributed.LocalCluster`
(processes, one thread each, loopback). A dataset of `--size-mib` MiB of Parquet in `--files`
files (random float64 columns, so compression cannot shrink it) is written with
`dask.dataframe.to_parquet` and read back with `read_parquet(...).sum()`, through a vault
(the VaultKeys plugin, ProcessKeySource) and to plaintext in the same bucket (or beside the
vault on the local disk), A and B alternating, `--runs` times after one warm-up pair.
Target: vault throughput >= 0.8x plaintext, to read and to write.

Prints a Markdown table of medians. Run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/services.py: the moto server the tests use

import dask.dataframe as dd  # noqa: E402
import fsspec  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from tests.services import MotoServer, s3_filesystem  # noqa: E402
from vaultui.crypto.keysource import ProcessKeySource  # noqa: E402
from vaultui.dask import VaultKeys  # noqa: E402
from vaultui.fs.filesystem import VaultFileSystem  # noqa: E402
from vaultui.fs.vault import VaultLocation  # noqa: E402

PASSPHRASE = "dask bench"
COLUMNS = 8


def dataset(size: int, files: int) -> dd.DataFrame:
    """`size` bytes of float64 in `files` partitions, made on the workers."""
    rows = size // (8 * COLUMNS) // files

    def part(i: int) -> pd.DataFrame:
        rng = np.random.default_rng(i)
        return pd.DataFrame(rng.random((rows, COLUMNS)), columns=[f"c{j}" for j in range(COLUMNS)])

    meta = part(0).iloc[:0]
    return dd.from_map(part, range(files), meta=meta)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(name: str, size: int, runs: int, a: Callable[[int], object],
            b: Callable[[int], object], cleanup: Callable[[int], object] = lambda run: None
            ) -> str:
    """A (vault) and B (plaintext) alternately; returns a table row of medians."""
    a(-1)
    b(-1)
    times_a: list[float] = []
    times_b: list[float] = []
    for run in range(runs):
        times_a.append(timed(functools.partial(a, run)))
        times_b.append(timed(functools.partial(b, run)))
        cleanup(run)  # moto keeps everything in memory
    ta, tb = statistics.median(times_a), statistics.median(times_b)
    mib = size / 2**20
    ratio = tb / ta
    verdict = "met" if ratio >= 0.8 else "NOT met"
    return (f"| {name} | {mib / ta:,.0f} | {mib / tb:,.0f} | {ratio:.2f} "
            f"({min(times_b) / max(times_a):.2f}-{max(times_b) / min(times_a):.2f}) "
            f"≥ 0.8 {verdict} | {ta:.2f} ({tb:.2f}) |")


def bench_place(where: str, vault_url: str, plain_url: str, options: dict[str, Any],
                client: Client, size: int, files: int, runs: int) -> list[str]:
    VaultLocation.from_url(vault_url, options).create(PASSPHRASE)
    fs = VaultFileSystem(vault_url, storage_options=options, passphrase=PASSPHRASE)
    client.register_plugin(VaultKeys(fs))
    vault_opts: dict[str, Any] = {"fo": vault_url, "key_source": ProcessKeySource()}
    if options:
        vault_opts["target_options"] = options
    data = dataset(size, files)

    def write_vault(run: int) -> None:
        data.to_parquet(f"vaultui://w{run}", storage_options=vault_opts,
                        write_metadata_file=False)

    def write_plain(run: int) -> None:
        data.to_parquet(f"{plain_url}/w{run}", storage_options=options,
                        write_metadata_file=False)

    def read_vault(run: int) -> None:
        dd.read_parquet("vaultui://w-1", storage_options=vault_opts).sum().compute()

    def read_plain(run: int) -> None:
        dd.read_parquet(f"{plain_url}/w-1", storage_options=options).sum().compute()

    def cleanup(run: int) -> None:
        fs.rm(f"w{run}", recursive=True)
        plain_fs.rm(f"{plain_url}/w{run}", recursive=True)

    plain_fs = fsspec.core.url_to_fs(plain_url, **options)[0]
    rows = [measure(f"{where} write", size, runs, write_vault, write_plain, cleanup),
            measure(f"{where} read", size, runs, read_vault, read_plain)]
    stored = sum(info["size"] for info in fs.find("w-1", detail=True).values())
    print(f"{where}: {files} Parquet files, {stored / 2**20:,.0f} MiB of Parquet in the vault",
          flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["local", "s3"])
    args = parser.parse_args()
    size = args.size_mib * 2**20
    warnings.simplefilter("ignore")
    rows = ["| case | vault MiB/s | plaintext MiB/s | ratio (range) | vault s (plaintext s) |",
            "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as cluster, Client(cluster) as client:
        if args.only in (None, "local"):
            os.mkdir(f"{tmp}/vault")
            rows += bench_place("local", f"{tmp}/vault", f"{tmp}/plain", {}, client, size,
                                args.files, args.runs)
        if args.only in (None, "s3"):
            server = MotoServer()
            try:
                s3_filesystem(server.endpoint_url).mkdir("bench")
                options = {"key": "testing", "secret": "testing",
                           "client_kwargs": {"endpoint_url": server.endpoint_url}}
                rows += bench_place("S3 (moto)", "s3://bench/vault", "s3://bench/plain",
                                    options, client, size, args.files, args.runs)
            finally:
                server.stop()
    print(f"\n{args.size_mib} MiB in {args.files} files, medians of {args.runs} after a "
          "warm-up pair, 2 workers x 1 thread\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
