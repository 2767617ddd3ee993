"""verify (each damaged file reported, exit 6) and the name mapping commands."""

from __future__ import annotations

import os
from pathlib import Path

from clihelpers import Run, VaultTarget


def fill(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "good.bin").write_bytes(os.urandom(100_000))
    (src / "sub" / "bad.bin").write_bytes(os.urandom(100_000))
    (src / "sub" / "also-bad.txt").write_bytes(b"x" * 1000)
    assert cli(*vault.args("put", str(src / "good.bin"), str(src / "sub"), "/")).code == 0


def test_verify_reports_each_damaged_file(local_target: VaultTarget, cli: Run,
                                          tmp_path: Path) -> None:
    assert cli(*local_target.args("init", "--scrypt-cost", "1024")).code == 0
    fill(local_target, cli, tmp_path)
    r = cli(*local_target.args("verify"))
    assert r.code == 0, r
    assert r.out.strip() == "OK   3 files, 196.3 KiB authenticated"

    for name in ("sub/bad.bin", "sub/also-bad.txt"):
        storage = cli(*local_target.args("encrypt-name", name)).out.split("\t")[1].strip()
        path = Path(local_target.url) / storage
        data = bytearray(path.read_bytes())
        data[-3] ^= 0x40
        path.write_bytes(bytes(data))
    r = cli(*local_target.args("verify", "-j", "2"))
    assert r.code == 6
    bad = [line for line in r.out.splitlines() if line.startswith("BAD")]
    assert [line.split(":")[0] for line in bad] == ["BAD  sub/also-bad.txt", "BAD  sub/bad.bin"]
    assert "authentication failed" in bad[0]
    assert r.out.splitlines()[-1].startswith("FAIL") and "2 damaged" in r.out
    assert cli(*local_target.args("verify", "good.bin")).code == 0


def test_encrypt_name_and_decrypt_name_are_inverse(vault: VaultTarget, cli: Run,
                                                   tmp_path: Path) -> None:
    fill(vault, cli, tmp_path)
    r = cli(*vault.args("encrypt-name", "sub", "sub/bad.bin", "good.bin"))
    assert r.code == 0, r
    rows = [line.split("\t") for line in r.out.splitlines()]
    assert [clear for clear, _ in rows] == ["sub", "sub", "sub/bad.bin", "good.bin"]
    assert all(c.startswith("d/") for _, c in rows)
    r = cli(*vault.args("decrypt-name", *[c for _, c in rows]))
    assert r.code == 0, r
    assert [line.split("\t")[1] for line in r.out.splitlines()] == [
        "sub", "sub", "sub/bad.bin", "good.bin"]
    r = cli(*vault.args("decrypt-name", "d/AA/BBBB/nothing.c9r"))
    assert r.code == 4 and "not an item of this vault" in r.err
