"""Stress: several processes make first writes into new folders at once while another
moves and removes folders and a third reads everything. Nothing written may be lost,
and no reader may see a partial file. Real processes, on local disk and on S3 (moto).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fs.stress_worker import payload
from tests.services import Location
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.storage import join
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.verify import VerifyVault

PASSPHRASE = "stress passphrase"
WRITERS = 4
ROUNDS = 6
FILES = 2
#: Seconds any one process may take (each run is a few seconds on a loaded 2-core box).
TIMEOUT = 60
REPO = Path(__file__).resolve().parents[2]


def start(job: dict[str, Any]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fs.stress_worker"], cwd=REPO, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "AWS_CONFIG_FILE": os.devnull,
             "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job) + "\n")
    proc.stdin.flush()
    return proc


def finish(proc: subprocess.Popen[str]) -> Any:
    """The result a worker printed once done (this closes its stdin)."""
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def test_concurrent_first_writes_lose_nothing(location: Location,
                                              request: pytest.FixtureRequest) -> None:
    fs, root = location
    root = join(root, "vault")
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    base = {"storage": "s3" if "s3" in request.node.callspec.id else "local",
            "root": root, "passphrase": PASSPHRASE, "rounds": ROUNDS, "files": FILES}
    if base["storage"] == "s3":
        base["endpoint"] = request.getfixturevalue("s3_server")
    procs = [start({**base, "role": "writer", "index": i}) for i in range(WRITERS)]
    procs.append(start({**base, "role": "racer"}))
    reader = start({**base, "role": "reader"})
    try:
        everyone = [*procs, reader]
        for proc in everyone:  # all set up before anyone starts: the rounds overlap
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", (
                proc.stderr.read() if proc.stderr else "")
        for proc in everyone:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        written = [name for proc in procs[:WRITERS] for name in finish(proc)]
        finish(procs[-1])
        assert finish(reader) > 0  # closing its stdin tells the reader to stop
    finally:
        for proc in [*procs, reader]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    assert len(written) == WRITERS * ROUNDS * FILES
    vfs = VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)
    fs.invalidate_cache()
    found = {p.rpartition("/")[2]: p for p in vfs.find("")}
    lost = [name for name in written if name not in found]
    assert lost == []
    for name in written:
        assert vfs.cat_file(found[name]) == payload(name)
    # The racer's own folders: the last one moved, the others removed whole.
    assert sorted(p for p in found if p.startswith("scratch-")) == [
        f"scratch-{ROUNDS - 1}-a", f"scratch-{ROUNDS - 1}-b"]
    result = VerifyVault(vfs).run()
    assert result.ok, result.problems
