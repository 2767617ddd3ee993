"""Fixtures of the CLI tests: vaults on local storage and on S3 (helpers: clihelpers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clihelpers import FAST_INIT, Run, VaultTarget, run_cli, s3_options


@pytest.fixture
def cli() -> Run:
    return run_cli


@pytest.fixture
def local_target(tmp_path: Path) -> VaultTarget:
    return VaultTarget(str(tmp_path / "vault"), [])


@pytest.fixture
def s3_target(s3fs_fs: Any, s3_server: str) -> VaultTarget:
    return VaultTarget(f"s3://{s3fs_fs.root}/vault", s3_options(s3_server))


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def target(request: pytest.FixtureRequest) -> VaultTarget:
    name = "local_target" if request.param == "local" else "s3_target"
    value: VaultTarget = request.getfixturevalue(name)
    return value


@pytest.fixture
def vault(target: VaultTarget, cli: Run) -> VaultTarget:
    """A fresh, empty vault on the parametrized storage."""
    result = cli(*target.args("init", *FAST_INIT))
    assert result.code == 0, result
    return target
