"""vaultui-cli file commands, run as installed, on a local vault and on S3."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
from pathlib import Path

from clihelpers import CLI, FAST_INIT, PASSPHRASE, Run, VaultTarget

from tests.waits import wait_until


def make_tree(base: Path) -> dict[str, bytes]:
    files = {
        "docs/readme.txt": b"read me\n",
        "docs/sub/data.bin": os.urandom(300_000),
        "docs/empty": b"",
        "docs/naïve café.txt": "unicode ✓".encode(),
    }
    for rel, data in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_bytes(data)
    return files


def test_put_ls_cat_get_round_trip(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    files = make_tree(tmp_path / "src")
    one = tmp_path / "one.txt"
    one.write_bytes(b"single\n")
    r = cli(*vault.args("put", str(tmp_path / "src" / "docs"), str(one), "backup", "-j", "3"))
    assert r.code == 0, r
    assert r.err == ""  # no progress bar when stderr is not a terminal

    r = cli(*vault.args("ls", "backup"))
    assert r.code == 0, r
    assert r.out.splitlines() == ["docs/", "one.txt"]

    r = cli(*vault.args("ls", "--json", "backup/docs"))
    entries = {e["name"]: e for e in json.loads(r.out)}
    assert entries["sub"]["type"] == "directory"
    assert entries["readme.txt"] == {**entries["readme.txt"], "type": "file", "size": 8,
                                     "path": "backup/docs/readme.txt"}
    assert entries["readme.txt"]["modified"]

    r = cli(*vault.args("ls", "-l", "backup/docs/sub"))
    assert r.out.startswith("-") and "300000" in r.out and "data.bin" in r.out

    r = cli(*vault.args("cat", "backup/docs/readme.txt", "backup/one.txt"))
    assert r.raw == b"read me\nsingle\n"

    r = cli(*vault.args("tree"))
    assert "└── backup/" in r.out and "data.bin" in r.out
    assert r.out.rstrip().endswith("3 folders, 5 files")

    out = tmp_path / "restore"
    r = cli(*vault.args("get", "backup/docs", "backup/one.txt", str(out), "--jobs", "2"))
    assert r.code == 0, r
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data
    assert (out / "one.txt").read_bytes() == b"single\n"

    everything = tmp_path / "everything"
    assert cli(*vault.args("get", "/", str(everything))).code == 0
    assert (everything / "backup" / "docs" / "sub" / "data.bin").read_bytes() == \
        files["docs/sub/data.bin"]


def test_mkdir_mv_rm(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    assert cli(*vault.args("mkdir", "a")).code == 0
    r = cli(*vault.args("mkdir", "a"))
    assert r.code == 7 and "already exists" in r.err
    r = cli(*vault.args("mkdir", "x/y/z"))
    assert r.code == 4 and "-p" in r.err
    assert cli(*vault.args("mkdir", "-p", "x/y/z", "a")).code == 0
    f = tmp_path / "f.txt"
    f.write_bytes(b"content")
    assert cli(*vault.args("put", str(f), "a")).code == 0
    assert cli(*vault.args("mv", "a/f.txt", "x/y/g.txt")).code == 0
    assert cli(*vault.args("cat", "x/y/g.txt")).raw == b"content"
    assert cli(*vault.args("mv", "x/y", "a")).code == 0
    assert cli(*vault.args("ls", "a/y")).out.split() == ["g.txt", "z/"]
    r = cli(*vault.args("rm", "a"))
    assert r.code == 1 and "-r" in r.err
    assert cli(*vault.args("rm", "a/y/g.txt")).code == 0
    assert cli(*vault.args("rm", "-r", "a", "x")).code == 0
    assert cli(*vault.args("ls")).out == ""
    r = cli(*vault.args("rm", "gone.txt"))
    assert r.code == 4 and "gone.txt" in r.err


def test_storage_options_file(s3_server: str, s3fs_fs: object, cli: Run,
                              tmp_path: Path) -> None:
    options = tmp_path / "s3.json"
    options.write_text(json.dumps({"client_kwargs": {"endpoint_url": s3_server},
                                   "key": "testing", "secret": "testing"}))
    url = f"s3://{s3fs_fs.root}/vault"  # type: ignore[attr-defined]
    assert cli("init", url, "--storage-options-file", str(options), "--scrypt-cost",
               "1024").code == 0
    r = cli("ls", url, "--storage-options-file", str(options))
    assert r.code == 0 and r.out == "", r


def test_progress_bar_only_on_a_terminal(local_target: VaultTarget, cli: Run,
                                         tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(8 << 20))
    master, slave = pty.openpty()
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.run([str(CLI), *local_target.args("put", str(big), "/")], stderr=slave,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env,
                          timeout=120, check=False, start_new_session=True)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 0
    text = shown.decode()
    assert "\r" in text and "100.0%" in text and "8.0 MiB" in text
    assert "encrypted 1 file, 8.0 MiB" in text


def test_ctrl_c_mid_transfer_leaves_no_partial_file(local_target: VaultTarget, cli: Run,
                                                    tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    # A FIFO as the source: the transfer is provably in the middle of the file when the
    # signal comes, whatever the machine's speed.
    fifo = tmp_path / "stream.bin"
    os.mkfifo(fifo)
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen([str(CLI), *local_target.args("put", str(fifo), "/")], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    vault_dir = Path(local_target.url)

    def partial_files() -> list[Path]:
        return [p for p in vault_dir.rglob("*") if p.name.endswith(".part")]

    with open(fifo, "wb") as writer:
        writer.write(os.urandom(3 << 20))
        writer.flush()
        # The CLI has read most of it; once its ciphertext file is open, it is mid-write.
        assert wait_until(lambda: partial_files() or proc.poll() is not None)
        assert partial_files(), "the CLI never started writing the file"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip() == "vaultui-cli: error: cancelled"
    assert cli(*local_target.args("ls")).out == ""
    assert partial_files() == []
