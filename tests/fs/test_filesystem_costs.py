"""What vault operations cost in storage calls: counted on a recording storage."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vaultui.crypto.sizes import ciphertext_size
from vaultui.fs.filesystem import VaultFileSystem

CHUNK = 32 * 1024
CIPHER_CHUNK = CHUNK + 28
HEADER = 68

Recorder = Callable[[VaultFileSystem], object]


def _content_folders(fs: VaultFileSystem) -> set[str]:
    """The d/XX/YYYY folders on storage."""
    root = fs.location.root.rstrip("/")
    folders = set()
    for path in fs.storage.find(f"{root}/d", withdirs=True):
        parts = path[len(root) + 1:].split("/")
        if len(parts) >= 3:
            folders.add("/".join(parts[:3]))
    return folders


def _live_content_folders(fs: VaultFileSystem) -> set[str]:
    root = fs.location.root.rstrip("/")
    live = set()
    for path in ["", *fs.find("", withdirs=True)]:
        if fs.isdir(path):
            live.add(fs.ciphertext_paths(path)[-1][len(root) + 1:])
    return live


# -- reading --------------------------------------------------------------------------


@pytest.fixture
def big(memvault: VaultFileSystem) -> tuple[VaultFileSystem, bytes]:
    data = bytes(i % 251 for i in range(10 * CHUNK + 123))
    memvault.pipe_file("big.bin", data)
    return memvault, data


def test_cat_file_range_fetches_only_the_chunks_it_needs(big, record_storage) -> None:
    fs, data = big
    rec = record_storage(fs)
    # Bytes inside chunk 3 and the start of chunk 4.
    start, end = 3 * CHUNK + 10, 4 * CHUNK + 5
    assert fs.cat_file("big.bin", start=start, end=end) == data[start:end]
    ranges = [(c.kwargs.get("start"), c.kwargs.get("end")) for c in rec.of("cat_file")]
    chunk_range = (HEADER + 3 * CIPHER_CHUNK, HEADER + 5 * CIPHER_CHUNK)
    assert sorted(ranges) == [(0, HEADER), chunk_range]


def test_cat_file_of_the_first_bytes_is_one_request(big, record_storage) -> None:
    fs, data = big
    rec = record_storage(fs)
    assert fs.cat_file("big.bin", start=0, end=100) == data[:100]
    ranges = [(c.kwargs.get("start"), c.kwargs.get("end")) for c in rec.of("cat_file")]
    assert ranges == [(0, HEADER + CIPHER_CHUNK)]


def test_seek_and_read_fetches_only_the_chunks_it_needs(big, record_storage) -> None:
    fs, data = big
    with fs.open("big.bin", "rb") as f:
        rec = record_storage(fs)
        f.seek(7 * CHUNK + 100)
        assert f.read(50) == data[7 * CHUNK + 100: 7 * CHUNK + 150]
        f.seek(2 * CHUNK)
        assert f.read(10) == data[2 * CHUNK: 2 * CHUNK + 10]
    fetched = sum(c.kwargs["end"] - c.kwargs["start"] for c in rec.of("cat_file"))
    assert fetched <= HEADER + 2 * CIPHER_CHUNK


def test_small_reads_in_one_chunk_fetch_it_once(big, record_storage) -> None:
    fs, data = big
    with fs.open("big.bin", "rb") as f:
        f.seek(5 * CHUNK)
        rec = record_storage(fs)
        for i in range(100):
            assert f.read(10) == data[5 * CHUNK + 10 * i: 5 * CHUNK + 10 * (i + 1)]
    assert rec.count("cat_file") <= 2  # the header, then chunk 5 once


def test_sequential_read_uses_few_requests(big, record_storage) -> None:
    fs, data = big
    rec = record_storage(fs)
    with fs.open("big.bin", "rb") as f:
        assert f.read() == data
    assert rec.count("cat_file") <= 2
    assert rec.bytes_read(lambda p: fs.storage.size(p)) <= ciphertext_size(len(data)) + HEADER


# -- metadata -------------------------------------------------------------------------


@pytest.fixture
def many_files(memvault: VaultFileSystem) -> VaultFileSystem:
    memvault.makedirs("dir/sub")
    for i in range(30):
        memvault.pipe_file(f"dir/f{i}.txt", b"x" * i)
    memvault.pipe_file("dir/" + "long name " * 20 + ".txt", b"long")  # a shortened .c9s
    return memvault


def test_ls_is_one_listing_and_no_file_reads(many_files, record_storage) -> None:
    fs = many_files
    fs.ls("dir")  # warm the directory id cache
    rec = record_storage(fs)
    infos = fs.ls("dir")
    assert len(infos) == 32
    assert rec.count("find", "ls", "walk") == 1
    # Only the one shortened name needs reading (its name.c9s); no file content.
    assert rec.count("cat_file", "cat", "open") <= 1
    assert not any(c.path.endswith(".c9r") for c in rec.of("cat_file", "cat", "open"))


def test_sizes_come_from_ciphertext_sizes_without_reads(many_files, record_storage) -> None:
    fs = many_files
    fs.ls("dir")
    rec = record_storage(fs)
    sizes = {i["name"]: i["size"] for i in fs.ls("dir")}
    assert sizes["dir/f29.txt"] == 29
    assert fs.size("dir/f7.txt") == 7
    assert fs.du("dir") == sum(range(30)) + 4
    assert rec.count("cat_file", "cat", "open") <= 2  # name.c9s, per listing at most


def test_directory_ids_are_cached(many_files, record_storage) -> None:
    fs = many_files
    fs.ls("dir/sub")
    rec = record_storage(fs)
    fs.ls("dir/sub")
    fs.info("dir/f1.txt")
    assert not [c for c in rec.of("cat_file") if c.path.endswith("dir.c9r")]


# -- moving and removing --------------------------------------------------------------


def test_mv_of_a_folder_touches_a_constant_number_of_objects(memvault, record_storage) -> None:
    fs = memvault
    for i in range(200):
        fs.pipe_file(f"big/{i:03}.txt", b"%d" % i)
    fs.pipe_file("big/sub/x.txt", b"x")
    rec = record_storage(fs)
    fs.mv("big", "moved")
    # Four of them keep the move's journal (read, write as temp + rename, remove), so
    # an interruption cannot make rm delete what the other name shows (aliases.py).
    assert len(rec.calls) <= 16, rec.calls
    assert len(rec.mutations) <= 8, rec.mutations
    assert rec.count("find", "ls", "walk") == 0
    assert fs.cat_file("moved/123.txt") == b"123"
    assert fs.cat_file("moved/sub/x.txt") == b"x"
    assert not fs.exists("big")


def test_mv_of_a_file_touches_a_constant_number_of_objects(memvault, record_storage) -> None:
    fs = memvault
    fs.pipe_file("a/f.txt", b"f")
    fs.mkdir("b")
    rec = record_storage(fs)
    fs.mv("a/f.txt", "b/g.txt")
    assert len(rec.mutations) <= 2, rec.mutations
    assert fs.cat_file("b/g.txt") == b"f"


def test_rm_of_a_folder_reads_no_file_contents(memvault, record_storage) -> None:
    fs = memvault
    for i in range(20):
        fs.pipe_file(f"gone/{i}.txt", b"x")
    rec = record_storage(fs)
    fs.rm("gone", recursive=True)
    # dir.c9r, and the batched look for move journals (aliases.py): no file's contents.
    assert not [c for c in rec.of("cat_file", "cat", "open")
                if not c.path.endswith(("dir.c9r", ".names.c9x"))]
@pytest.mark.parametrize("kind", ["memory", "local"])
def test_recursive_rm_leaves_no_orphan_content_folders(vault_factory, kind) -> None:
    fs = vault_factory(kind)
    fs.pipe_file("keep/k.txt", b"k")
    for i in range(5):
        fs.pipe_file(f"gone/{i}/deeper/f.txt", b"f")
        fs.symlink("x", f"gone/{i}/link")
    fs.pipe_file("gone/" + "long folder " * 20 + "/inner.txt", b"f")  # a shortened folder
    before = _content_folders(fs)
    assert len(before) == 1 + 1 + 1 + 5 * 2 + 1
    fs.rm("gone", recursive=True)
    assert _content_folders(fs) == _live_content_folders(fs)
    assert len(_content_folders(fs)) == 2  # the root and keep
    if kind == "local":
        # No empty d/XX folders left behind either.
        root = fs.location.root
        for xx in fs.storage.ls(f"{root}/d", detail=False):
            assert fs.storage.ls(xx, detail=False), f"empty {xx} left behind"




def test_cp_copies_ciphertext_on_the_storage_side(memvault, record_storage) -> None:
    fs = memvault
    fs.pipe_file("src.bin", b"s" * (5 * CHUNK))
    fs.mkdir("dst")
    rec = record_storage(fs)
    fs.cp("src.bin", "dst/copy.bin")
    assert rec.count("cp_file") == 1
    assert not rec.of("cat_file", "cat") and not [
        c for c in rec.of("open") if "r" in str(c.kwargs.get("mode", "rb"))]
    assert fs.cat_file("dst/copy.bin") == b"s" * (5 * CHUNK)


def test_write_streams_with_flat_memory(vault_factory) -> None:
    import tracemalloc

    fs = vault_factory("local")
    block = b"w" * CHUNK
    tracemalloc.start()
    try:
        with fs.open("big.bin", "wb") as f:
            for _ in range(256):  # 8 MiB through the writer
                f.write(block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fs.size("big.bin") == 256 * CHUNK
    assert peak < 1024 * 1024  # a few chunks, not the file


def test_info_and_small_reads_cost_few_calls(memvault, record_storage) -> None:
    fs = memvault
    fs.pipe_file("dir/f.txt", b"hello")
    fs.ls("dir")
    rec = record_storage(fs)
    assert fs.info("dir/f.txt")["size"] == 5
    assert len(rec.calls) == 1  # one info of the ciphertext
    rec.reset()
    assert fs.cat_file("dir/f.txt") == b"hello"
    assert [c.method for c in rec.calls] == ["info", "cat_file"]
