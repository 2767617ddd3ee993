"""gen-key, encrypt and decrypt: one file under a key, fsspec-encrypted style."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from clihelpers import CLI, Run, VaultTarget


def test_gen_key_random_and_derived(cli: Run) -> None:
    a = json.loads(cli("gen-key", "--format", "json").out)
    b = json.loads(cli("gen-key", "--format", "json").out)
    assert a["key"] != b["key"] and len(a["words"].split()) == 44
    derive = ["gen-key", "--passphrase", "--salt", "s4lt", "--scrypt-cost", "1024",
              "--format", "json"]
    one = json.loads(cli(*derive, passphrase="same passphrase").out)
    two = json.loads(cli(*derive, passphrase="same passphrase").out)
    assert one == two and one["salt"] == "s4lt"
    assert json.loads(cli(*derive, passphrase="other passphrase").out)["key"] != one["key"]
    r = cli("gen-key", "--passphrase", "--scrypt-cost", "1024", passphrase="same passphrase")
    lines = dict(line.split(": ", 1) for line in r.out.splitlines())
    assert len(lines["salt"]) == 22 and "keep it" in r.err
    again = cli("gen-key", "--passphrase", "--salt", lines["salt"], "--scrypt-cost", "1024",
                "--format", "base64", passphrase="same passphrase")
    assert again.out.strip() == lines["key"]
    assert cli("gen-key", "--salt", "x").code == 2


def test_encrypt_decrypt_round_trip(target: VaultTarget, cli: Run, tmp_path: Path) -> None:
    key = cli("gen-key", "--format", "base64").out.strip()
    words = cli("gen-key", "--format", "words").out.strip()
    data = os.urandom(200_000)
    url = target.url + "/nested/file.enc"
    r = cli("encrypt", "--key", key, "--file", url, *target.options, input=data)
    assert r.code == 0, r
    r = cli("decrypt", "--key", key, "--file", url, *target.options)
    assert r.code == 0 and r.raw == data
    key_file = tmp_path / "k"
    key_file.write_text(words + "\n")
    assert cli("encrypt", "--key-file", str(key_file), "--file", url, *target.options,
               input=b"by words").code == 0
    assert cli("decrypt", "--file", url, *target.options,
               env={"VAULTUI_KEY": words}).raw == b"by words"
    r = cli("decrypt", "--key", key, "--file", url, *target.options)
    assert r.code == 3 and "key does not open this file" in r.err


def test_tampered_file_fails_with_the_corrupt_code(cli: Run, tmp_path: Path) -> None:
    key = cli("gen-key", "--format", "base64").out.strip()
    path = tmp_path / "f.enc"
    assert cli("encrypt", "--key", key, "--file", str(path), input=b"a" * 100_000).code == 0
    data = bytearray(path.read_bytes())
    data[68 + 32768 + 28 + 50] ^= 1  # inside chunk 1
    path.write_bytes(bytes(data))
    r = cli("decrypt", "--key", key, "--file", str(path))
    assert r.code == 6 and "authentication failed" in r.err
    assert len(r.raw) <= 32768  # only the chunk before the damage came out
    assert cli("decrypt", "--key", key, "--file", str(tmp_path / "none")).code == 4
    assert cli("decrypt", "--file", str(path)).code == 2


MEASURE = """
import resource, subprocess, sys
size, cli, key, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
gen = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
enc = subprocess.run([cli, "encrypt", "--key", key, "--file", path], stdin=gen.stdout,
                     check=True)
gen.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_encrypt_streams_in_flat_memory(cli: Run, tmp_path: Path) -> None:
    key = cli("gen-key", "--format", "base64").out.strip()
    size = 256 * 1024 * 1024
    path = tmp_path / "big.enc"
    out = subprocess.run([sys.executable, "-c", MEASURE, str(size), str(CLI), key, str(path)],
                         capture_output=True, text=True, timeout=300, check=True)
    max_rss_kib = int(out.stdout.strip())
    assert path.stat().st_size > size
    assert max_rss_kib < 150 * 1024, f"encrypting {size >> 20} MiB took {max_rss_kib} KiB"


def test_keys_and_salts_that_start_with_a_dash(cli: Run, tmp_path: Path) -> None:
    # One base64url key in 64 starts with '-'; argparse used to take it for an option.
    key = base64.urlsafe_b64encode(b"\xf8" + os.urandom(63)).rstrip(b"=").decode()
    assert key.startswith("-")
    path = str(tmp_path / "f.enc")
    assert cli("encrypt", "--key", key, "--file", path, input=b"dash").code == 0
    assert cli("decrypt", "--file", path, "--key", key).raw == b"dash"
    derive = ["gen-key", "--passphrase", "--scrypt-cost", "1024", "--format", "json"]
    r = cli(*derive, "--salt", "-dash salt", passphrase="passphrase")
    assert r.code == 0 and json.loads(r.out)["salt"] == "-dash salt"
    # A forgotten value still gets argparse's own message, not a key named "--file".
    r = cli("decrypt", "--key", "--file", path)
    assert r.code == 2 and "--key: expected one argument" in r.err
