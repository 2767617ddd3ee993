"""replacing_local_file and the downloads built on it: temp names that never collide,
no temp left on any failure, and the permission bits of what is replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vaultui.crypto.errors import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.localfile import replacing_local_file

PASS = "localfile test passphrase"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def current_umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


@pytest.fixture
def vfs(local_or_s3_vault: VaultFileSystem) -> VaultFileSystem:
    return local_or_s3_vault


def test_a_failed_write_leaves_neither_temp_nor_target(tmp_path: Path) -> None:
    target = tmp_path / "x"
    with pytest.raises(CancelledError), replacing_local_file(str(target)) as out:
        out.write(b"half")
        raise CancelledError()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), replacing_local_file(str(target)) as out:
        out.write(b"new, half")
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["x"]
    assert target.read_bytes() == b"old"


def test_temp_names_are_random_and_never_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / ".x.part").write_bytes(b"someone's")
    seen = set()
    for _ in range(3):
        with replacing_local_file(str(tmp_path / "x")) as out:
            out.write(b"x")
            (temp,) = [p.name for p in tmp_path.iterdir()
                       if p.name.endswith(".part") and p.name != ".x.part"]
            seen.add(temp)
    assert len(seen) == 3 and all(name.startswith(".x.") for name in seen)
    assert (tmp_path / ".x.part").read_bytes() == b"someone's"


@pytest.mark.parametrize("old_mode", [0o600, 0o640, 0o666, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, old_mode: int) -> None:
    target = tmp_path / "secret.txt"
    target.write_bytes(b"old")
    target.chmod(old_mode)
    with replacing_local_file(str(target)) as out:
        # Its cleartext is never more readable than the file it replaces.
        (temp,) = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert mode(temp) & ~old_mode == 0
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert mode(target) == old_mode


def test_a_new_file_gets_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with replacing_local_file(str(tmp_path / "new.txt")) as out:
            out.write(b"x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.txt") == 0o640


def test_get_file_spares_a_users_own_part_file(vfs: VaultFileSystem, tmp_path: Path) -> None:
    vfs.pipe_file("x", b"from the vault")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".x.part").write_bytes(b"the user's own file")
    vfs.get_file("x", str(out / "x"))
    assert (out / "x").read_bytes() == b"from the vault"
    assert (out / ".x.part").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in out.iterdir()) == [".x.part", "x"]


def test_get_keeps_a_vault_file_named_like_a_temp_file(vfs: VaultFileSystem,
                                                       tmp_path: Path) -> None:
    vfs.pipe_file("d/x", b"x")
    vfs.pipe_file("d/.x.part", b"not a temp file")
    vfs.pipe_file("d/..x.part.part", b"nor this")
    vfs.get("d", str(tmp_path / "out"), recursive=True)
    out = tmp_path / "out"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        "x": b"x", ".x.part": b"not a temp file", "..x.part.part": b"nor this"}


def test_get_file_over_a_private_file_keeps_it_private(vfs: VaultFileSystem,
                                                       tmp_path: Path) -> None:
    vfs.pipe_file("x", b"new cleartext")
    target = tmp_path / "x"
    target.write_bytes(b"old")
    target.chmod(0o600)
    vfs.get_file("x", str(target))
    assert target.read_bytes() == b"new cleartext"
    assert mode(target) == 0o600
    vfs.get_file("x", str(tmp_path / "fresh"))
    assert mode(tmp_path / "fresh") == 0o666 & ~current_umask()


def test_a_failed_get_file_leaves_no_temp(vfs: VaultFileSystem, tmp_path: Path) -> None:
    vfs.pipe_file("x", os.urandom(100_000))
    node = vfs.ciphertext_paths("x")[0]
    data = bytearray(vfs.storage.cat_file(node))
    data[-40] ^= 1  # the last chunk fails authentication after the first was written
    vfs.storage.pipe_file(node, bytes(data))
    vfs.invalidate_cache()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Exception, match="authentication"):
        vfs.get_file("x", str(out / "x"))
    assert list(out.iterdir()) == []
