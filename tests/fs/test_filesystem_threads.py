"""Concurrent use from several threads: different files, shared folders, one vault object."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

from vaultui.crypto.errors import AuthenticationError
from vaultui.fs.errors import FileChangedError
from vaultui.fs.filesystem import VaultFileSystem

THREADS = 8
CHUNK = 32 * 1024


def _data(i: int) -> bytes:
    seed = hashlib.sha256(str(i).encode()).digest()
    return seed * ((i % 5) * 2048 + 3)  # 96 B to about 300 KB, several chunks


def test_parallel_writes_reads_and_mkdirs(vaultfs: VaultFileSystem) -> None:
    def work(i: int) -> None:
        folder = f"t{i % 4}/sub{i}"
        vaultfs.makedirs(folder, exist_ok=True)  # t0..t3 are shared by two threads each
        for j in range(3):
            path = f"{folder}/f{j}.bin"
            with vaultfs.open(path, "wb") as f:
                data = _data(i * 10 + j)
                for k in range(0, len(data), 10000):
                    f.write(data[k:k + 10000])
            assert vaultfs.cat_file(path) == _data(i * 10 + j)
            with vaultfs.open(path, "rb") as f:
                f.seek(len(data) // 2)
                assert f.read(100) == data[len(data) // 2: len(data) // 2 + 100]
        vaultfs.ls(folder)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(2 * THREADS)))
    files = vaultfs.find("")
    assert len(files) == 2 * THREADS * 3
    for i in range(2 * THREADS):
        for j in range(3):
            assert vaultfs.cat_file(f"t{i % 4}/sub{i}/f{j}.bin") == _data(i * 10 + j)


def test_readers_while_a_writer_replaces_a_file(vaultfs: VaultFileSystem) -> None:
    old, new = b"o" * (3 * CHUNK), b"n" * (3 * CHUNK + 7)
    vaultfs.pipe_file("shared.bin", old)

    def read(_: int) -> bytes:
        # A read racing the replacement may fail (and is retried), never return a mix.
        while True:
            try:
                return bytes(vaultfs.cat_file("shared.bin"))
            except (FileChangedError, AuthenticationError):
                continue

    with ThreadPoolExecutor(THREADS) as pool:
        readers = [pool.submit(read, i) for i in range(40)]
        pool.submit(vaultfs.pipe_file, "shared.bin", new).result()
        seen = {r.result() for r in readers}
    # Every read saw one whole version, never a mix or a truncated file.
    assert seen <= {old, new}
    assert vaultfs.cat_file("shared.bin") == new


def test_parallel_moves_and_removes_of_different_folders(vaultfs: VaultFileSystem) -> None:
    for i in range(THREADS):
        vaultfs.pipe_file(f"src{i}/inner/file.txt", b"%d" % i)

    def work(i: int) -> None:
        vaultfs.mv(f"src{i}", f"dst{i}")
        assert vaultfs.cat_file(f"dst{i}/inner/file.txt") == b"%d" % i
        if i % 2:
            vaultfs.rm(f"dst{i}", recursive=True)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    assert vaultfs.ls("", detail=False) == [f"dst{i}" for i in range(0, THREADS, 2)]


def test_parallel_listing_and_creation_in_one_folder(vaultfs: VaultFileSystem) -> None:
    vaultfs.mkdir("busy")

    def create(i: int) -> None:
        vaultfs.pipe_file(f"busy/{i}.txt", b"x")
        vaultfs.mkdir(f"busy/d{i}")
        names = vaultfs.ls("busy", detail=False)
        assert f"busy/{i}.txt" in names and f"busy/d{i}" in names

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(create, range(3 * THREADS)))
    assert len(vaultfs.ls("busy")) == 2 * 3 * THREADS
