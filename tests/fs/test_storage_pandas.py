"""Seed parity on S3: pandas and fsspec's text helpers reach a vault by URL and options alone.

``vaultui://path`` plus ``storage_options`` is all a pandas user writes; the options name
the vault's location (``fo``), how to reach it (``target_options``) and the passphrase.
"""

from __future__ import annotations

from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pytest

from tests.services import Location
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "correct horse battery staple"
MARKER = "plaintext-marker-4f1c"


@pytest.fixture
def s3_vault(s3fs_fs: Location, s3_server: str) -> dict[str, Any]:
    """storage_options that open a fresh vault on S3 through fsspec's registry."""
    fs, bucket = s3fs_fs
    VaultLocation(fs, f"{bucket}/vault").create(PASSPHRASE, scrypt_cost=1024)
    return {
        "fo": f"s3://{bucket}/vault",
        "target_options": {
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {"endpoint_url": s3_server},
        },
        "passphrase": PASSPHRASE,
    }


def stored_bytes(options: dict[str, Any]) -> bytes:
    """Everything stored under the vault's location, concatenated."""
    storage, root = fsspec.core.url_to_fs(options["fo"], **options["target_options"])
    storage.invalidate_cache()
    return b"".join(storage.cat(storage.find(root)).values())


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    return pd.DataFrame({
        "id": np.arange(rows),
        "value": rng.normal(size=rows),
        "label": [f"{MARKER}-{i % 7}-ünï" for i in range(rows)],
    })


def test_csv_roundtrip(s3_vault: dict[str, Any]) -> None:
    df = frame(1000)
    df.to_csv("vaultui://data.csv", index=False, storage_options=s3_vault)
    back = pd.read_csv("vaultui://data.csv", storage_options=s3_vault)
    pd.testing.assert_frame_equal(back, df)
    # Only ciphertext reached S3.
    assert MARKER.encode() not in stored_bytes(s3_vault)

    vfs = fsspec.filesystem("vaultui", **s3_vault)
    assert isinstance(vfs, VaultFileSystem)
    assert vfs.ls("", detail=False) == ["data.csv"]
    # The passphrase is not kept where fsspec serialises the filesystem's options.
    assert PASSPHRASE not in repr(vfs.storage_options)


def test_parquet_roundtrip_and_column_subset(s3_vault: dict[str, Any]) -> None:
    df = frame(100_000)  # a few MiB: several chunks and row groups
    vfs = fsspec.filesystem("vaultui", **s3_vault)
    vfs.mkdir("tables")
    df.to_parquet("vaultui://tables/data.parquet", storage_options=s3_vault,
                  row_group_size=20_000)
    back = pd.read_parquet("vaultui://tables/data.parquet", storage_options=s3_vault)
    pd.testing.assert_frame_equal(back, df)
    ids = pd.read_parquet("vaultui://tables/data.parquet", columns=["id"],
                          storage_options=s3_vault)
    pd.testing.assert_frame_equal(ids, df[["id"]])
    assert MARKER.encode() not in stored_bytes(s3_vault)


def test_target_protocol_and_bare_location(s3_vault: dict[str, Any]) -> None:
    # fsspec's other spelling: the location without protocol plus target_protocol.
    options = {**s3_vault, "fo": s3_vault["fo"].removeprefix("s3://"), "target_protocol": "s3"}
    pd.DataFrame({"x": [1, 2]}).to_csv("vaultui://t.csv", index=False, storage_options=options)
    assert pd.read_csv("vaultui://t.csv", storage_options=s3_vault)["x"].tolist() == [1, 2]


def test_missing_file_and_wrong_passphrase(s3_vault: dict[str, Any]) -> None:
    with pytest.raises(FileNotFoundError):
        pd.read_csv("vaultui://nothing.csv", storage_options=s3_vault)
    from vaultui.crypto.errors import WrongPassphraseError

    with pytest.raises(WrongPassphraseError):
        pd.read_csv("vaultui://nothing.csv",
                    storage_options={**s3_vault, "passphrase": "not it"})


def test_write_text_read_text(s3_vault: dict[str, Any]) -> None:
    vfs = fsspec.filesystem("vaultui", **s3_vault)
    vfs.mkdir("notes")
    text = f"{MARKER}: zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich\n" * 50
    vfs.write_text("notes/a.txt", text, encoding="utf-8")
    assert vfs.read_text("notes/a.txt", encoding="utf-8") == text
    vfs.write_text("notes/b.txt", "second", encoding="utf-8", newline="\r\n")
    assert vfs.read_bytes("notes/b.txt") == b"second"
    with fsspec.open("vaultui://notes/a.txt", "rt", encoding="utf-8", **s3_vault) as f:
        assert f.readline() == text.splitlines(keepends=True)[0]
    assert MARKER.encode() not in stored_bytes(s3_vault)
