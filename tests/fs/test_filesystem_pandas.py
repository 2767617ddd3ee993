"""pandas and pyarrow reading and writing through the vault filesystem (local storage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fsspec
import pytest

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

PASSPHRASE = "pandas tests passphrase"


@pytest.fixture
def vault_dir(tmp_path: Path) -> str:
    folder = tmp_path / "vault"
    folder.mkdir()
    VaultLocation.from_url(str(folder)).create(PASSPHRASE, scrypt_cost=1024)
    return str(folder)


@pytest.fixture
def frame() -> Any:  # a pandas.DataFrame
    return pd.DataFrame({"city": ["Zürich", "Lyon", "Oslo"] * 20000,
                         "n": range(60000), "x": [0.5, 1.5, 2.5] * 20000})


def _options(vault_dir: str) -> dict[str, str]:
    return {"fo": vault_dir, "passphrase": PASSPHRASE}


def test_csv_round_trip_through_storage_options(vault_dir: str, frame) -> None:
    frame.to_csv("vaultui://tables/data.csv", index=False, storage_options=_options(vault_dir))
    back = pd.read_csv("vaultui://tables/data.csv", storage_options=_options(vault_dir))
    pd.testing.assert_frame_equal(back, frame)
    # Only ciphertext on disk.
    assert not any("data.csv" in p.name for p in Path(vault_dir).rglob("*"))
    assert b"Z\xc3\xbcrich" not in b"".join(
        p.read_bytes() for p in Path(vault_dir).rglob("*") if p.is_file())


def test_csv_through_a_chained_url(vault_dir: str, frame) -> None:
    url = f"vaultui://data.csv::file://{vault_dir}"
    frame.to_csv(url, index=False, storage_options={"passphrase": PASSPHRASE})
    back = pd.read_csv(url, storage_options={"vaultui": {"passphrase": PASSPHRASE}})
    pd.testing.assert_frame_equal(back, frame)


def test_parquet_round_trip_through_storage_options(vault_dir: str, frame) -> None:
    frame.to_parquet("vaultui://data.parquet", storage_options=_options(vault_dir))
    back = pd.read_parquet("vaultui://data.parquet", storage_options=_options(vault_dir))
    pd.testing.assert_frame_equal(back, frame)
    subset = pd.read_parquet("vaultui://data.parquet", columns=["n"],
                             storage_options=_options(vault_dir))
    assert list(subset.columns) == ["n"] and len(subset) == len(frame)


def test_partitioned_parquet_dataset(vault_dir: str, frame) -> None:
    fs = fsspec.filesystem("vaultui", fo=vault_dir, passphrase=PASSPHRASE)
    frame.to_parquet("dataset", partition_cols=["city"], filesystem=fs)
    # (pyarrow percent-encodes partition values in folder names.)
    assert sorted(fs.ls("dataset", detail=False)) == [
        "dataset/city=Lyon", "dataset/city=Oslo", "dataset/city=Z%C3%BCrich"]
    back = pd.read_parquet("dataset", filesystem=fs)
    assert sorted(back["n"]) == list(range(60000))


def test_pyarrow_with_the_filesystem_object(vault_dir: str, frame) -> None:
    fs = VaultFileSystem(vault_dir, passphrase=PASSPHRASE)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, "arrow/t.parquet", filesystem=fs)
    assert pq.read_table("arrow/t.parquet", filesystem=fs).equals(table)
    assert pq.ParquetFile(fs.open("arrow/t.parquet", "rb")).metadata.num_rows == 60000


def test_parquet_column_read_fetches_little(vault_dir: str, frame, record_storage) -> None:
    fs = VaultFileSystem(vault_dir, passphrase=PASSPHRASE)
    frame.to_parquet("wide.parquet", filesystem=fs, row_group_size=10000)
    size = fs.storage.size(fs.info("wide.parquet")["ciphertext_path"])
    rec = record_storage(fs)
    with fs.open("wide.parquet", "rb") as f:
        pq.ParquetFile(f).read_row_group(0, columns=["n"])
    assert rec.bytes_read(fs.storage.size) < size / 2
