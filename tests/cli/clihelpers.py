"""Running the installed vaultui-cli in a subprocess, as a user would (shared by tests/cli)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from vaultui.cli.options import parse_storage_options
from vaultui.fs.filesystem import VaultFileSystem

#: The console script installed into the venv that runs the tests.
CLI = Path(sys.executable).parent / "vaultui-cli"
PASSPHRASE = "cli test passphrase"
FAST_INIT = ["--scrypt-cost", "1024"]


@dataclass
class Result:
    code: int
    out: str
    err: str
    raw: bytes

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out[-500:]!r}, err={self.err[-1500:]!r})"


Run = Callable[..., Result]


def run_cli(*args: str, passphrase: str | None = PASSPHRASE, input: bytes | None = None,
            env: Mapping[str, str] | None = None, timeout: float = 120) -> Result:
    """Run vaultui-cli detached from any terminal (so it can never prompt and hang)."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("VAULTUI_PASSPHRASE", "VAULTUI_NEW_PASSPHRASE")}
    if passphrase is not None:
        full_env["VAULTUI_PASSPHRASE"] = passphrase
    full_env.update(env or {})
    if not CLI.exists():
        pytest.fail(f"{CLI} is not installed: run scripts/setup.sh", pytrace=False)
    proc = subprocess.run([str(CLI), *args], input=input if input is not None else b"",
                          capture_output=True, env=full_env, timeout=timeout,
                          start_new_session=True, check=False)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"), proc.stdout)


@dataclass
class VaultTarget:
    """A vault URL and the options to reach it."""

    url: str
    options: list[str]

    def args(self, command: str, *rest: str) -> list[str]:
        return [command, self.url, *rest, *self.options]


def s3_options(endpoint: str) -> list[str]:
    return ["-o", "client_kwargs=" + json.dumps({"endpoint_url": endpoint}),
            "-o", "key=testing", "-o", "secret=testing"]


def open_target(target: VaultTarget) -> VaultFileSystem:
    """The vault at `target`, opened in this process (to craft what no command writes)."""
    pairs = [o for o in target.options if o != "-o"]
    return VaultFileSystem(target.url, storage_options=parse_storage_options(pairs, None),
                           passphrase=PASSPHRASE, resolve_conflicts=False)
