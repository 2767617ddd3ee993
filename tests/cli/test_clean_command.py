"""`vaultui-cli clean`: what a killed `put` or a failed atomic write leaves is found,
reported by `verify`, and removed, on local storage and on S3."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from clihelpers import CLI, PASSPHRASE, Run, VaultTarget

from vaultui.fs.storage import is_temp_name
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.clean import Leftover, find_leftovers


def _location(target: VaultTarget) -> VaultLocation:
    options: dict[str, Any] = {"skip_instance_cache": True}
    if target.options:
        endpoint = next(o for o in target.options if o.startswith("client_kwargs="))
        options.update(key="testing", secret="testing",
                       client_kwargs={"endpoint_url": endpoint.split('"')[3]})
    return VaultLocation.from_url(target.url, options)


def _leftovers(target: VaultTarget) -> list[Leftover]:
    return find_leftovers(_location(target), timedelta(0))


def _kill_put(vault: VaultTarget, tmp_path: Path) -> list[Leftover]:
    """Start `put` of a big file, SIGKILL it mid-write; what it left."""
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        f.truncate(512 * 1024 * 1024)  # sparse: no disk, and time to be killed
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen([str(CLI), *vault.args("put", str(source), "/")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (found := _leftovers(vault)):
            assert proc.poll() is None, "put ended before it could be killed"
            assert time.monotonic() < deadline, "put never started writing"
    finally:
        proc.kill()
        proc.wait()
    return found


def test_a_killed_put_leaves_what_clean_removes(vault: VaultTarget, cli: Run,
                                               tmp_path: Path) -> None:
    left = _kill_put(vault, tmp_path)
    assert left
    for item in left:
        assert item.upload_id is not None or is_temp_name(item.path.rpartition("/")[2])
    # Nothing of it shows in the vault.
    assert cli(*vault.args("ls")).out == ""

    if not vault.options:
        # Too young for the default age: a write still under way would look the same.
        # (moto dates every multipart upload 2010-11-10, so on S3 it is always old.)
        assert "0 leftovers" in cli(*vault.args("clean", "--dry-run")).out
    dry = cli(*vault.args("clean", "--older-than", "0", "--dry-run"))
    assert dry.code == 0, dry
    assert dry.out.count("would remove") == len(left)
    assert _leftovers(vault) == left

    verify = cli(*vault.args("verify"))
    assert verify.code == 0, verify  # leftovers do no harm to the vault
    if vault.options:  # old enough to be reported (see above)
        assert verify.out.count("LEFT ") == len(left), verify
        assert "vaultui-cli clean" in verify.err

    done = cli(*vault.args("clean", "--older-than", "0s"))
    assert done.code == 0, done
    assert done.out.count("removed ") == len(left)
    assert _leftovers(vault) == []
    assert cli(*vault.args("verify")).code == 0


def test_clean_refuses_what_is_no_vault(cli: Run, tmp_path: Path) -> None:
    result = cli("clean", str(tmp_path))
    assert result.code == 4, result
    bad = cli("clean", str(tmp_path), "--older-than", "soon")
    assert bad.code == 2 and "not an age" in bad.err, bad


def _no_big_files() -> None:
    # A write past 100 bytes fails (EFBIG) halfway, as on a full disk: the masterkey
    # file is some 400.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, resource.RLIM_INFINITY))


def test_a_failed_atomic_write_leaves_no_temp_file(local_target: VaultTarget, cli: Run
                                                   ) -> None:
    assert cli(*local_target.args("init", "--scrypt-cost", "1024")).code == 0
    root = Path(local_target.url)
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE,
           "VAULTUI_NEW_PASSPHRASE": "another passphrase"}
    proc = subprocess.run([str(CLI), *local_target.args("passwd")], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120,
                          preexec_fn=_no_big_files, check=False)
    err = proc.stderr.decode()
    assert proc.returncode != 0, err
    assert "Traceback" not in err
    after = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    assert not [name for name in after if name.startswith(".")], sorted(after)
    assert after == before
