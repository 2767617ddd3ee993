"""EncryptTree (put) and DecryptTree (get): trees in and out, progress, parallelism, cancel."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from vaultui.crypto.errors import CancelledError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.progress import Progress
from vaultui.tasks.transfer import DecryptTree, EncryptTree

PASS = "task test passphrase"


def make_vault(fs: object, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASS, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASS)


@pytest.fixture
def vfs(tmp_path: Path) -> VaultFileSystem:
    import fsspec

    root = tmp_path / "vault"
    root.mkdir()
    return make_vault(fsspec.filesystem("file"), str(root))


def make_tree(base: Path) -> dict[str, bytes]:
    files = {
        "docs/a.txt": b"alpha\n",
        "docs/sub/b.bin": os.urandom(100_000),
        "docs/empty.txt": b"",
        "docs/ünïcode name.txt": "grüße".encode(),
    }
    for rel, data in files.items():
        p = base / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (base / "docs" / "emptydir").mkdir()
    return files


def test_put_then_get_round_trips_a_tree(vfs: VaultFileSystem, tmp_path: Path) -> None:
    files = make_tree(tmp_path / "src")
    single = tmp_path / "single.txt"
    single.write_bytes(b"one file")
    seen: list[Progress] = []
    result = EncryptTree(vfs, [str(tmp_path / "src" / "docs"), str(single)], "in/box",
                         progress=seen.append, workers=3).run()
    assert result.files == 5
    assert result.bytes == sum(map(len, files.values())) + len(b"one file")
    assert seen[-1].bytes_done == seen[-1].bytes_total == result.bytes
    assert seen[-1].files_done == seen[-1].files_total == 5
    assert vfs.cat_file("in/box/docs/sub/b.bin") == files["docs/sub/b.bin"]
    assert vfs.cat_file("in/box/single.txt") == b"one file"
    assert vfs.isdir("in/box/docs/emptydir")

    out = tmp_path / "out"
    got = DecryptTree(vfs, ["in/box/docs", "in/box/single.txt"], str(out), workers=2).run()
    assert got.files == 5
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data
    assert (out / "single.txt").read_bytes() == b"one file"
    assert (out / "docs" / "emptydir").is_dir()


def test_get_of_the_root_copies_its_contents(vfs: VaultFileSystem, tmp_path: Path) -> None:
    vfs.makedirs("x/y")
    vfs.pipe_file("x/y/z.txt", b"zzz")
    vfs.pipe_file("top.txt", b"top")
    DecryptTree(vfs, [""], str(tmp_path / "all")).run()
    assert (tmp_path / "all" / "x" / "y" / "z.txt").read_bytes() == b"zzz"
    assert (tmp_path / "all" / "top.txt").read_bytes() == b"top"


def test_put_of_a_missing_source_fails_before_writing(vfs: VaultFileSystem,
                                                       tmp_path: Path) -> None:
    ok = tmp_path / "ok.txt"
    ok.write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="nope"):
        EncryptTree(vfs, [str(ok), str(tmp_path / "nope")], "").run()
    assert vfs.ls("", detail=False) == []


def cancel_after_first_block(event: threading.Event) -> object:
    def progress(p: Progress) -> None:
        if p.bytes_done > 0:
            event.set()
    return progress


def storage_files(fs: object, root: str) -> list[str]:
    return sorted(fs.find(root))  # type: ignore[attr-defined]


def test_cancelled_put_leaves_no_partial_file(vfs: VaultFileSystem, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * 1024 * 1024))
    before = storage_files(vfs.storage, vfs.location.root)
    event = threading.Event()
    job = EncryptTree(vfs, [str(big)], "", cancel=event,
                      progress=cancel_after_first_block(event))
    with pytest.raises(CancelledError):
        job.run()
    assert not vfs.exists("big.bin")
    assert storage_files(vfs.storage, vfs.location.root) == before


def test_cancelled_get_leaves_no_partial_file(vfs: VaultFileSystem, tmp_path: Path) -> None:
    vfs.pipe_file("big.bin", os.urandom(5 * 1024 * 1024))
    event = threading.Event()
    out = tmp_path / "out"
    job = DecryptTree(vfs, ["big.bin"], str(out), cancel=event,
                      progress=cancel_after_first_block(event))
    with pytest.raises(CancelledError):
        job.run()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]  # no out, no temp file


def test_one_failing_file_stops_the_others_without_leftovers(vfs: VaultFileSystem,
                                                             tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"f{i}.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    job = EncryptTree(vfs, [str(src)], "", workers=3)
    plan = job.prepare()
    (src / "f4.bin").unlink()  # vanishes between the scan and the copy
    with pytest.raises(FileNotFoundError):
        job.run(plan)
    assert not vfs.exists("src")  # the folder it made went with the files copied into it
    leftovers = [p for p in storage_files(vfs.storage, vfs.location.root) if p.endswith(".part")]
    assert leftovers == []


def test_put_under_another_name(vfs: VaultFileSystem, tmp_path: Path) -> None:
    files = make_tree(tmp_path / "src")
    vfs.makedirs("box/docs")
    job = EncryptTree(vfs, [str(tmp_path / "src" / "docs")], "box", name="docs (2)")
    job.run()
    assert job.targets == ["box/docs (2)"]
    assert vfs.cat_file("box/docs (2)/sub/b.bin") == files["docs/sub/b.bin"]
    assert vfs.ls("box/docs", detail=False) == []
    with pytest.raises(ValueError, match="one source"):
        EncryptTree(vfs, ["a", "b"], "", name="c")
    with pytest.raises(ValueError, match="invalid target name"):
        EncryptTree(vfs, ["a"], "", name="x/y")


def big_tree(base: Path) -> Path:
    for i in range(3):
        (base / "tree" / f"d{i}").mkdir(parents=True)
        (base / "tree" / f"d{i}" / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    return base / "tree"


@pytest.mark.parametrize("dest", ["", "kept", "new/deep"])
def test_cancelled_put_removes_the_folders_it_made(vfs: VaultFileSystem, tmp_path: Path,
                                                    dest: str) -> None:
    tree = big_tree(tmp_path)
    vfs.makedirs("kept")
    vfs.pipe_file("kept/other.txt", b"not ours")
    event = threading.Event()
    job = EncryptTree(vfs, [str(tree)], dest, cancel=event,
                      progress=cancel_after_first_block(event))
    with pytest.raises(CancelledError):
        job.run()
    assert sorted(vfs.ls("", detail=False)) == ["kept"]
    assert vfs.ls("kept", detail=False) == ["kept/other.txt"]


def test_cancelled_get_removes_the_folders_it_made(vfs: VaultFileSystem,
                                                   tmp_path: Path) -> None:
    EncryptTree(vfs, [str(big_tree(tmp_path))], "").run()
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_bytes(b"mine")
    for dest in (out, out / "new" / "deep"):
        event = threading.Event()
        job = DecryptTree(vfs, ["tree"], str(dest) + os.sep, cancel=event,
                          progress=cancel_after_first_block(event))
        with pytest.raises(CancelledError):
            job.run()
        assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_cancelled_put_on_s3_removes_the_folders_it_made(s3fs_fs: Any,
                                                         tmp_path: Path) -> None:
    vfs = make_vault(s3fs_fs.fs, s3fs_fs.root + "/vault")
    tree = big_tree(tmp_path)
    before = storage_files(vfs.storage, vfs.location.root)
    event = threading.Event()
    with pytest.raises(CancelledError):
        EncryptTree(vfs, [str(tree)], "", cancel=event,
                    progress=cancel_after_first_block(event)).run()
    assert vfs.ls("", detail=False) == []
    assert storage_files(vfs.storage, vfs.location.root) == before


def test_put_and_get_on_s3(s3fs_fs: Any, tmp_path: Path) -> None:
    vfs = make_vault(s3fs_fs.fs, s3fs_fs.root + "/vault")
    files = make_tree(tmp_path / "src")
    EncryptTree(vfs, [str(tmp_path / "src" / "docs")], "up", workers=4).run()
    DecryptTree(vfs, ["up"], str(tmp_path / "out"), workers=4).run()  # out: the copy of up
    for rel, data in files.items():
        assert (tmp_path / "out" / rel).read_bytes() == data


def test_cancelled_put_on_s3_leaves_no_object(s3fs_fs: Any, tmp_path: Path) -> None:
    vfs = make_vault(s3fs_fs.fs, s3fs_fs.root + "/vault")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * 1024 * 1024))
    before = storage_files(vfs.storage, vfs.location.root)
    event = threading.Event()
    with pytest.raises(CancelledError):
        EncryptTree(vfs, [str(big)], "", cancel=event,
                    progress=cancel_after_first_block(event)).run()
    vfs.storage.invalidate_cache()
    assert storage_files(vfs.storage, vfs.location.root) == before
    assert not vfs.exists("big.bin")
