"""Every ```python block of README.md and docs/*.md runs, so no example can rot.

The convention the pages follow (say it in prose beside a block that uses them):

* names a block may use without defining them: `pw` (a vault passphrase), `df` (a small
  DataFrame with columns `n` and `city`), `s3_options` (the fsspec options of the S3 bucket:
  here moto's credentials and endpoint);
* paths: `/data/…` and `/tmp/…` are local paths (moved into a fresh temporary folder), and
  `s3://bucket/…` is an S3 bucket (a fresh bucket on the moto server);
* a vault the block names (`/data/vault`, `s3://bucket/vault`) exists, opened with `pw`,
  unless the block creates one itself (`.create(`);
* a block that cannot run here (it needs a display, a real cloud, user input) is preceded by
  `<!-- docs-test: skip (why) -->` and is only compiled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.fs.conftest import CHEAP_SCRYPT
from vaultui.fs.vault import VaultLocation

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP_MARK = "<!-- docs-test: skip"
PASSPHRASE = "docs example passphrase"

_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_S3 = re.compile(r"\bs3://bucket\b")
_LOCAL = re.compile(r"(?<![\w/])/(data|tmp)/")
_VAULTS = re.compile(r"(?:\bs3://bucket|(?<![\w/])/data|(?<![\w/])/tmp)/[\w.-]*vault\b")


def python_blocks() -> list[Any]:
    blocks = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            before = text[:match.start()].rstrip().rsplit("\n", 1)[-1]
            line = text.count("\n", 0, match.start()) + 1
            name = f"{page.relative_to(ROOT)}:{line}"
            marks = [pytest.mark.s3] if _S3.search(match.group(1)) else []
            blocks.append(pytest.param(match.group(1), before.startswith(SKIP_MARK), id=name,
                                       marks=marks))
    return blocks


def test_the_pages_have_python_blocks() -> None:
    assert len(python_blocks()) >= 3


@pytest.mark.parametrize(("code", "skipped"), python_blocks())
def test_python_block_runs(code: str, skipped: bool, tmp_path: Path,
                           request: pytest.FixtureRequest) -> None:
    compile(code, "<docs>", "exec")
    if skipped:
        pytest.skip("marked docs-test: skip in the page")
    import pandas as pd

    names: dict[str, Any] = {
        "pw": PASSPHRASE,
        "df": pd.DataFrame({"n": [1, 2, 3, 4], "city": ["Oslo", "Rome", "Oslo", "Lima"]}),
    }
    vaults = sorted(set(_VAULTS.findall(code))) if ".create(" not in code else []
    s3_options: dict[str, Any] = {}
    bucket = ""
    if _S3.search(code):
        from tests.services import s3_filesystem

        endpoint = request.getfixturevalue("s3_server")
        bucket = f"docs-{tmp_path.name.lower().replace('_', '-')[-40:]}"
        s3_filesystem(endpoint).mkdir(bucket)
        s3_options = {"key": "testing", "secret": "testing",
                      "client_kwargs": {"endpoint_url": endpoint}}
        names["s3_options"] = s3_options
    (tmp_path / "data").mkdir()
    (tmp_path / "tmp").mkdir()

    def here(text: str) -> str:
        text = _S3.sub(f"s3://{bucket}", text)
        text = text.replace("file:///data/", f"file://{tmp_path}/data/")
        return _LOCAL.sub(lambda m: f"{tmp_path}/{m.group(1)}/", text)

    for location in vaults:
        options = s3_options if location.startswith("s3://") else None
        VaultLocation.from_url(here(location), options).create(PASSPHRASE,
                                                               scrypt_cost=CHEAP_SCRYPT)
    exec(compile(here(code), "<docs>", "exec"), names)  # the docs are ours
