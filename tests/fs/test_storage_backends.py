"""The vault filesystem on real storage: local, S3 (moto), Azure Blob (Azurite), SFTP (sshd).

One set of behaviour tests runs on every backend through the ``storage`` fixture; the
S3-only tests prove streaming, multipart and ranged reads against a real S3 server.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import fsspec
import pytest
from fsspec.callbacks import Callback
from fsspec.spec import AbstractFileSystem

from tests.services import Location, StoppableS3, s3_filesystem
from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import SHORTENED_NAME_SUFFIX
from vaultui.crypto.sizes import LAYOUTS, ciphertext_size, cleartext_size, is_valid_ciphertext_size
from vaultui.fs import files as files_module
from vaultui.fs import storage as storage_module
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import cleartext_sizer, scan_local
from vaultui.fs.vault import VaultLocation

MiB = 1024 * 1024
CHUNK = 32 * 1024
PASSPHRASE = "correct horse battery staple"
HEADER = 68  # an AES-GCM file header: nonce, reserved bytes and content key, tag

# adlfs hands aiohttp each upload block as bytes, and aiohttp warns about any body over
# 1 MiB; harmless (and ignored outside tests), but the suite turns warnings into errors.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Sending a large body directly with raw bytes:ResourceWarning"
)


def new_vault(fs: AbstractFileSystem, root: str) -> VaultFileSystem:
    VaultLocation(fs, root).create(PASSPHRASE, scrypt_cost=1024)
    return VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)


@pytest.fixture
def vault(storage: Location) -> VaultFileSystem:
    fs, root = storage
    return new_vault(fs, f"{root}/vault")


def storage_files(vfs: VaultFileSystem) -> set[str]:
    """Every object (file) under the vault's root on storage, relative to the root."""
    fs, root = vfs.storage, vfs.location.root
    fs.invalidate_cache()
    prefix = root.rstrip("/") + "/"
    return {p[len(prefix):] for p in fs.find(root) if p.startswith(prefix)}


class CountingCallback(Callback):  # type: ignore[misc]
    """Records the sizes and progress fsspec reports, per file and in total."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []
        self.done = 0
        self.branches: list[CountingCallback] = []

    def set_size(self, size: int) -> None:
        self.sizes.append(size)

    def relative_update(self, inc: int = 1) -> None:
        self.done += inc

    def branched(self, path_1: str, path_2: str, **kwargs: Any) -> CountingCallback:
        child = CountingCallback()
        self.branches.append(child)
        return child


# --- the same behaviour on every storage --------------------------------------------------------


def test_mkdir_makedirs_and_ls(vault: VaultFileSystem) -> None:
    vault.mkdir("a")
    vault.makedirs("a/b/c")
    vault.makedirs("a/b/c", exist_ok=True)
    with pytest.raises(FileExistsError):
        vault.makedirs("a/b/c")
    with pytest.raises(FileExistsError):
        vault.mkdir("a")
    vault.mkdir("x/y/z")  # create_parents defaults to True
    with pytest.raises(FileNotFoundError):
        vault.mkdir("nope/deeper", create_parents=False)

    assert vault.ls("", detail=False) == ["a", "x"]
    assert vault.ls("a/b", detail=False) == ["a/b/c"]
    assert vault.isdir("a/b/c") and not vault.isfile("a/b/c")
    assert vault.info("x/y")["type"] == "directory"
    assert vault.ls("a/b/c") == []
    # A fresh filesystem on the same storage (no cached ids) sees the same tree.
    again = VaultFileSystem(fs=vault.storage, root=vault.location.root, passphrase=PASSPHRASE)
    assert again.find("", withdirs=True) == ["a", "a/b", "a/b/c", "x", "x/y", "x/y/z"]


def test_pipe_cat_with_ranges(vault: VaultFileSystem) -> None:
    data = os.urandom(3 * CHUNK + 123)
    vault.pipe_file("f.bin", data)
    vault.mkdir("d")
    vault.pipe({"d/one.txt": b"one", "d/two.txt": b"two"})

    assert vault.cat_file("f.bin") == data
    assert vault.cat_file("f.bin", start=CHUNK - 5, end=2 * CHUNK + 7) == data[
        CHUNK - 5 : 2 * CHUNK + 7
    ]
    assert vault.cat_file("f.bin", start=-10) == data[-10:]
    assert vault.cat_file("f.bin", start=10, end=-10) == data[10:-10]
    assert vault.cat_file("f.bin", start=len(data) + 5) == b""
    assert vault.cat(["d/one.txt", "d/two.txt"]) == {"d/one.txt": b"one", "d/two.txt": b"two"}
    assert vault.cat_ranges(["f.bin", "d/two.txt"], [0, 1], [4, 3]) == [data[:4], b"wo"]
    with pytest.raises(FileNotFoundError):
        vault.cat_file("missing.bin")
    with pytest.raises(FileExistsError):
        vault.pipe_file("f.bin", b"x", mode="create")


def test_open_read_and_write_with_seeks(vault: VaultFileSystem) -> None:
    data = os.urandom(5 * CHUNK + 77)
    with vault.open("seek.bin", "wb") as f:
        # Odd-sized writes straddle chunk boundaries.
        for i in range(0, len(data), 10_001):
            f.write(data[i : i + 10_001])
        assert f.tell() == len(data)
        # Encryption streams forward: a write cannot seek back, and says so.
        assert not f.seekable()
        with pytest.raises(io.UnsupportedOperation):
            f.seek(0)

    with vault.open("seek.bin", "rb") as f:
        assert f.size == len(data)
        f.seek(4 * CHUNK - 3)
        assert f.read(10) == data[4 * CHUNK - 3 : 4 * CHUNK + 7]
        f.seek(-20, os.SEEK_END)
        assert f.read() == data[-20:]
        f.seek(7)
        f.seek(CHUNK, os.SEEK_CUR)
        assert f.tell() == CHUNK + 7
        assert f.read(5) == data[CHUNK + 7 : CHUNK + 12]
        f.seek(0)
        assert f.read() == data
        assert f.read(10) == b""

    with vault.open("text.txt", "w", encoding="utf-8") as t:
        t.write("zwölf Äpfel\n")
    with vault.open("text.txt", "r", encoding="utf-8") as t:
        assert t.read() == "zwölf Äpfel\n"
    with pytest.raises(FileExistsError), vault.open("text.txt", "xb"):
        pass
    with pytest.raises(FileNotFoundError):
        vault.open("missing", "rb")


def test_ls_info_find_walk_glob_du_sizes(vault: VaultFileSystem) -> None:
    sizes = {"top.bin": 0, "a/one.bin": 1, "a/b/two.bin": CHUNK, "a/b/three.bin": CHUNK + 1}
    vault.makedirs("a/b")
    vault.mkdir("empty")
    for path, size in sizes.items():
        vault.pipe_file(path, b"\x5a" * size)

    listing = {i["name"]: i for i in vault.ls("a")}
    assert set(listing) == {"a/b", "a/one.bin"}
    assert listing["a/b"]["type"] == "directory"
    assert listing["a/one.bin"] | {"size": 1, "type": "file"} == listing["a/one.bin"]
    assert listing["a/one.bin"]["ciphertext_size"] == ciphertext_size(1)
    for path, size in sizes.items():
        info = vault.info(path)
        assert (info["name"], info["size"], info["type"]) == (path, size, "file")
        assert vault.size(path) == size
        assert vault.ls(path, detail=False) == [path]

    assert vault.find("") == sorted(sizes)
    assert vault.find("", withdirs=True) == sorted([*sizes, "a", "a/b", "empty"])
    assert vault.find("a", maxdepth=1) == ["a/one.bin"]
    walked = {root: (sorted(dirs), sorted(files)) for root, dirs, files in vault.walk("")}
    assert walked == {
        "": (["a", "empty"], ["top.bin"]),
        "a": (["b"], ["one.bin"]),
        "a/b": ([], ["three.bin", "two.bin"]),
        "empty": ([], []),
    }
    assert vault.glob("a/**/*.bin") == ["a/b/three.bin", "a/b/two.bin", "a/one.bin"]
    assert vault.glob("*/t*.bin") == []
    assert vault.glob("a/b/t*") == ["a/b/three.bin", "a/b/two.bin"]
    assert vault.du("") == sum(sizes.values())
    assert vault.du("a", total=False) == {p: s for p, s in sizes.items() if p.startswith("a/")}


def test_mv_file_and_directory(vault: VaultFileSystem) -> None:
    vault.makedirs("src/inner")
    vault.pipe_file("src/inner/deep.txt", b"deep")
    vault.pipe_file("file.txt", b"file")
    vault.mkdir("dst")
    before = storage_files(vault)

    vault.mv("file.txt", "dst/renamed.txt")
    assert vault.cat_file("dst/renamed.txt") == b"file"
    assert not vault.exists("file.txt")

    vault.mv("src", "dst/moved")
    assert vault.cat_file("dst/moved/inner/deep.txt") == b"deep"
    assert not vault.exists("src")
    assert vault.find("", withdirs=True) == [
        "dst", "dst/moved", "dst/moved/inner", "dst/moved/inner/deep.txt", "dst/renamed.txt",
    ]  # fmt: skip
    # Renames rewrite names only: as many objects as before, the contents untouched.
    assert len(storage_files(vault)) == len(before)

    # Moving onto an existing directory moves into it.
    vault.mkdir("box")
    vault.mv("dst/renamed.txt", "box")
    assert vault.ls("box", detail=False) == ["box/renamed.txt"]
    # Moving onto an existing file replaces it.
    vault.pipe_file("other.txt", b"other")
    vault.mv("other.txt", "box/renamed.txt")
    assert vault.cat_file("box/renamed.txt") == b"other"
    with pytest.raises(OSError, match="into itself"):
        vault.mv("dst", "dst/moved/sub")


def test_rm_recursive_leaves_no_orphans(vault: VaultFileSystem) -> None:
    empty_vault = storage_files(vault)
    vault.makedirs("t/u/v")
    vault.pipe_file("t/a.txt", b"a")
    vault.pipe_file("t/u/b.txt", b"b")
    vault.pipe_file("t/u/v/" + "long" * 70 + ".txt", b"long")
    vault.symlink("a.txt", "t/link")
    vault.pipe_file("keep.txt", b"keep")

    with pytest.raises(OSError, match="not empty"):
        vault.rm("t")
    with pytest.raises(OSError, match="not empty"):
        vault.rmdir("t")
    vault.rm("t", recursive=True)

    assert vault.ls("", detail=False) == ["keep.txt"]
    left = storage_files(vault) - empty_vault
    # Only keep.txt's single object is left beyond the empty vault's files.
    assert len(left) == 1 and left.pop().endswith(".c9r")
    vault.rm("keep.txt")
    assert storage_files(vault) == empty_vault
    vault.mkdir("e")
    vault.rmdir("e")
    assert storage_files(vault) == empty_vault
    with pytest.raises(PermissionError):
        vault.rm("", recursive=True)


def test_cp_file_and_tree(vault: VaultFileSystem) -> None:
    vault.makedirs("src/sub")
    data = os.urandom(2 * CHUNK + 5)
    vault.pipe_file("src/sub/data.bin", data)
    vault.pipe_file("src/top.txt", b"top")

    vault.cp_file("src/top.txt", "copy.txt")
    assert vault.cat_file("copy.txt") == b"top"
    vault.copy("src", "dup", recursive=True)
    assert vault.find("dup") == ["dup/sub/data.bin", "dup/top.txt"]
    assert vault.cat_file("dup/sub/data.bin") == data
    # The copy is independent of the original.
    vault.pipe_file("src/top.txt", b"changed")
    assert vault.cat_file("dup/top.txt") == b"top"


def test_touch_and_modified(vault: VaultFileSystem) -> None:
    started = datetime.now().timestamp() - 120  # storage clocks may be a little off
    vault.touch("t.txt")
    assert vault.cat_file("t.txt") == b""
    assert vault.info("t.txt")["size"] == 0
    vault.pipe_file("t.txt", b"content")
    vault.touch("t.txt", truncate=False)
    assert vault.cat_file("t.txt") == b"content"
    vault.touch("t.txt")
    assert vault.cat_file("t.txt") == b""

    modified = vault.modified("t.txt")
    assert isinstance(modified, datetime)
    assert started < modified.timestamp() < time.time() + 120
    vault.mkdir("d")
    assert vault.modified("d").timestamp() > started


def test_symlink(vault: VaultFileSystem) -> None:
    vault.pipe_file("target.txt", b"t")
    vault.symlink("target.txt", "link")
    vault.symlink("../elsewhere/ünïcode", "dangling")
    assert vault.readlink("link") == "target.txt"
    assert vault.readlink("dangling") == "../elsewhere/ünïcode"
    info = vault.info("link")
    assert info["islink"] and info["type"] == "other"
    assert {i["name"]: i["islink"] for i in vault.ls("")} == {
        "dangling": True, "link": True, "target.txt": False,
    }  # fmt: skip
    with pytest.raises(FileExistsError):
        vault.symlink("x", "link")
    vault.mv("link", "moved-link")
    assert vault.readlink("moved-link") == "target.txt"
    vault.rm("moved-link")
    assert not vault.exists("moved-link")


def test_long_names_are_shortened_to_c9s(vault: VaultFileSystem) -> None:
    long_file = "f" * 200 + ".txt"
    long_dir = "ü" * 150  # long in encrypted form, not just in characters
    vault.mkdir(long_dir)
    vault.pipe_file(f"{long_dir}/{long_file}", b"long")
    vault.pipe_file("short.txt", b"short")

    shortened = [p for p in storage_files(vault) if SHORTENED_NAME_SUFFIX + "/" in p]
    assert any(p.endswith("/contents.c9r") for p in shortened)
    assert any(p.endswith("/dir.c9r") for p in shortened)
    assert any(p.endswith("/name.c9s") for p in shortened)
    assert vault.ls("", detail=False) == sorted(["short.txt", long_dir])
    assert vault.cat_file(f"{long_dir}/{long_file}") == b"long"
    assert vault.info(f"{long_dir}/{long_file}")["size"] == 4

    vault.mv(f"{long_dir}/{long_file}", "short-again.txt")
    assert vault.cat_file("short-again.txt") == b"long"
    vault.mv("short.txt", f"{long_dir}/{long_file}")
    assert vault.cat_file(f"{long_dir}/{long_file}") == b"short"
    vault.rm(long_dir, recursive=True)
    assert not [p for p in storage_files(vault) if SHORTENED_NAME_SUFFIX in p]


def test_non_ascii_names(vault: VaultFileSystem) -> None:
    names = ["Grüße.txt", "日本語のファイル.md", "emoji 🎉.bin", "ñ space & symbols (1).txt"]
    vault.mkdir("Ordner ä")
    for name in names:
        vault.pipe_file(f"Ordner ä/{name}", name.encode())
    assert vault.ls("Ordner ä", detail=False) == sorted(f"Ordner ä/{n}" for n in names)
    for name in names:
        assert vault.cat_file(f"Ordner ä/{name}") == name.encode()
    # NFD input finds the NFC name (macOS hands out NFD).
    assert vault.cat_file("Ordner a\u0308/Gru\u0308\u00dfe.txt") == "Grüße.txt".encode()
    # No cleartext name reaches the storage.
    for stored in storage_files(vault):
        assert not any(part in stored for part in ("Grüße", "Ordner", "日本語", "emoji"))


def test_put_and_get_recursive_with_callbacks(vault: VaultFileSystem, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    files = {
        "a.txt": b"alpha",
        "sub/b.bin": os.urandom(3 * CHUNK + 1),
        "sub/deeper/c.bin": os.urandom(100),
        "sub/empty.txt": b"",
    }
    for rel, data in files.items():
        (src / rel).write_bytes(data)

    put_cb = CountingCallback()
    vault.put(str(src), "up", recursive=True, callback=put_cb)
    assert vault.find("up") == sorted(f"up/{rel}" for rel in files)
    for rel, data in files.items():
        assert vault.cat_file(f"up/{rel}") == data
    # fsspec counts the folders it creates as items too.
    assert put_cb.sizes == [len(files) + 3]
    assert sorted(b.done for b in put_cb.branches if b.done) == sorted(
        len(d) for d in files.values() if d
    )

    dest = tmp_path / "down"
    get_cb = CountingCallback()
    vault.get("up", str(dest), recursive=True, callback=get_cb)
    for rel, data in files.items():
        assert (dest / rel).read_bytes() == data
    assert get_cb.sizes == [len(files) + 3]
    assert sum(b.done for b in get_cb.branches) == sum(len(d) for d in files.values())
    # No temporary files left behind on either side.
    assert not [p for p in dest.rglob(".*")]
    assert not [p for p in storage_files(vault) if "/." in p]


def test_ranged_cat_reads_only_the_chunks_it_covers(
    vault: VaultFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(200 * CHUNK)
    vault.pipe_file("r.bin", data)
    fetched: list[int] = []
    original = storage_module.read_range  # what vaultui.fs.files calls

    def counting(fs: AbstractFileSystem, path: str, start: int, end: int) -> bytes:
        fetched.append(end - start)
        return original(fs, path, start, end)

    monkeypatch.setattr(files_module, "read_range", counting)
    start = 150 * CHUNK + 10
    assert vault.cat_file("r.bin", start=start, end=start + 100) == data[start : start + 100]
    # The header, then the one chunk holding the range: no read-ahead.
    assert fetched == [HEADER, CHUNK + 28]


def test_listings_stay_right_with_remembered_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vaultui.fs.nodes as nodes_module

    vfs = new_vault(fsspec.filesystem("file"), str(tmp_path / "vault"))
    monkeypatch.setattr(nodes_module, "NAME_CACHE_SIZE", 3)  # overflows and clears
    names = [f"n{i}.txt" for i in range(7)]
    for name in names:
        vfs.pipe_file(name, name.encode())
    for _ in range(3):
        assert vfs.ls("", detail=False) == sorted(names)
    vfs.mv("n0.txt", "renamed.txt")
    vfs.rm("n1.txt")
    assert vfs.ls("", detail=False) == sorted(["renamed.txt", *names[2:]])
    assert vfs.mapper.remembered_names <= 3


@pytest.mark.parametrize("protocol", ["file", "memory"])
def test_a_root_in_any_spelling_lists_the_same(
    protocol: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Local listings return absolute paths, memory ones a leading '/': a root spelt
    # otherwise ("rel/vault", "mvault/") must not make every folder look empty.
    monkeypatch.chdir(tmp_path)
    fs = fsspec.filesystem(protocol)
    root = f"vault-{os.urandom(4).hex()}"
    new_vault(fs, root + "/").pipe_file("a.txt", b"a")
    vfs = VaultFileSystem(fs=fs, root=root, passphrase=PASSPHRASE)
    vfs.mkdir("d")
    assert vfs.ls("", detail=False) == ["a.txt", "d"]
    assert vfs.location.root == fs._strip_protocol(root)
    if protocol == "memory":
        fs.rm(vfs.location.root, recursive=True)


@pytest.mark.parametrize("by_descriptor", [True, False], ids=["by descriptor", "by path"])
def test_local_scan_reports_what_fsspec_ls_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_descriptor: bool
) -> None:
    import vaultui.fs.nodes as nodes_module

    if by_descriptor and not nodes_module._SCANDIR_TAKES_FD:
        pytest.skip("os.scandir takes no descriptor here")
    monkeypatch.setattr(nodes_module, "_SCANDIR_TAKES_FD", by_descriptor)
    fs = fsspec.filesystem("file")
    vfs = new_vault(fs, str(tmp_path / "vault"))
    vfs.pipe_file("file.txt", b"x" * 100)
    vfs.mkdir("dir")
    vfs.pipe_file("L" * 200, b"long")
    vfs.symlink("file.txt", "link")
    content = vfs.ciphertext_paths("")[0]
    (Path(content) / ".hidden.c9r").write_bytes(b"a write in progress")
    scan = scan_local(content)
    scanned = {i["name"]: i for i in [*scan.tops.values(),
                                      *(m for ms in scan.nested.values() for m in ms.values())]}
    expected = {i["name"]: i for i in fs.find(content, withdirs=True, detail=True).values()
                if i["name"] != content and not i["name"].endswith(("/dirid.c9r", "/.hidden.c9r"))}
    assert set(scan.nested) == {p.rsplit("/", 1)[1] for p, i in expected.items()
                                if i["type"] == "directory"}
    assert all(i["name"] == f"{content}/{h}/{m}"
               for h, ms in scan.nested.items() for m, i in ms.items())
    assert set(scanned) == set(expected)
    for path, info in scanned.items():
        for key in ("type", "size", "mtime", "created"):
            assert info[key] == expected[path][key], (path, key)


@pytest.mark.parametrize("combo", list(CipherCombo))
def test_listing_sizes_match_the_format(combo: CipherCombo) -> None:
    sizer = cleartext_sizer(combo)
    step = LAYOUTS[combo].ciphertext_chunk_size
    header = LAYOUTS[combo].header_size
    candidates = {*range(200), *(header + k * step + d for k in range(4) for d in range(-60, 60))}
    for n in sorted(c for c in candidates if c >= 0):
        expected = cleartext_size(n, combo) if is_valid_ciphertext_size(n, combo) else None
        assert sizer(n) == expected, n


# --- S3: ranged reads, streaming writes, multipart ----------------------------------------------


class RequestedBytes:
    """Counts the bytes S3 sends for GET requests, as botocore parsed the responses.

    Wraps s3fs's one door to the S3 API (``_call_s3``), which every read goes through.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fs: AbstractFileSystem) -> None:
        self.requests: list[tuple[str | None, int]] = []  # (Range header, bytes sent)
        original = fs._call_s3
        lock = threading.Lock()

        async def counting(method: str, *args: Any, **kwargs: Any) -> Any:
            response = await original(method, *args, **kwargs)
            if method == "get_object":
                with lock:
                    self.requests.append((kwargs.get("Range"), int(response["ContentLength"])))
            return response

        monkeypatch.setattr(fs, "_call_s3", counting)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.requests)

    def clear(self) -> None:
        self.requests.clear()


@pytest.fixture(scope="module")
def big_s3(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[VaultFileSystem, bytes, float]]:
    """A vault on S3 holding one 64 MiB file, written once for all tests of this module.

    Yields the vault filesystem, the data and the peak traced memory of the write. The S3
    server runs in a process of its own: moto on a thread of this one would put the
    server's copies of the parts into the measurement.
    """
    server = StoppableS3(tmp_path_factory.mktemp("moto-big"))
    fs = s3_filesystem(server.endpoint_url)
    bucket = "vaultui-big"
    fs.mkdir(bucket)
    vfs = new_vault(fs, f"{bucket}/vault")
    block = os.urandom(MiB)
    # 64 MiB from a 1 MiB pattern, each MiB tagged with its index so that misplaced
    # ranges cannot compare equal.
    pieces = [i.to_bytes(4, "big") + block[4:] for i in range(64)]
    seen_during_write: list[list[str]] = []

    tracemalloc.start()
    try:
        with vfs.open("big.bin", "wb") as f:
            for i, piece in enumerate(pieces):
                f.write(piece)
                if i == 40:
                    # Halfway: neither the vault nor the bucket shows a finished object.
                    seen_during_write.append(vfs.ls("", detail=False))
                    fs.invalidate_cache()
                    seen_during_write.append(fs.find(bucket))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen_during_write[0] == []
    node = vfs.info("big.bin")["ciphertext_path"]
    assert node not in seen_during_write[1]
    try:
        yield vfs, b"".join(pieces), float(peak)
    finally:
        server.stop()


@pytest.mark.s3
@pytest.mark.slow
def test_s3_64mib_write_streams_with_flat_memory_and_multipart(
    big_s3: tuple[VaultFileSystem, bytes, float],
) -> None:
    vfs, data, peak = big_s3
    # The cleartext is not held: memory stays at a few upload blocks, not the file size
    # (the part being filled and two 8 MiB parts in flight, each also held by botocore).
    assert peak < 48 * MiB, f"peak {peak / MiB:.1f} MiB while writing 64 MiB"
    info = vfs.info("big.bin")
    assert info["size"] == len(data)
    raw = vfs.storage.info(info["ciphertext_path"])
    assert raw["size"] == ciphertext_size(len(data))
    # An ETag of "<md5>-N" is what S3 gives a multipart upload of N parts.
    etag = raw["ETag"].strip('"')
    assert "-" in etag and int(etag.rsplit("-", 1)[1]) >= 2, etag
    # No multipart uploads left open in the bucket.
    bucket = info["ciphertext_path"].split("/", 1)[0]
    uploads = vfs.storage.call_s3("list_multipart_uploads", Bucket=bucket)
    assert not uploads.get("Uploads")


@pytest.mark.s3
@pytest.mark.slow
def test_s3_ranged_reads_fetch_only_needed_chunks(
    big_s3: tuple[VaultFileSystem, bytes, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    vfs, data, _ = big_s3
    counter = RequestedBytes(monkeypatch, vfs.storage)
    step = CHUNK + 28  # a ciphertext chunk of AES-GCM: nonce + 32 KiB + tag

    # cat_file of 100 bytes inside one chunk deep in the file: the header and one chunk.
    start = 40 * MiB + 1000
    assert vfs.cat_file("big.bin", start=start, end=start + 100) == data[start : start + 100]
    assert [n for _, n in counter.requests] == [HEADER, step], counter.requests
    counter.clear()

    # Through open/seek/read with a small block size: only the chunks around the reads.
    with vfs.open("big.bin", "rb", block_size=CHUNK, cache_type="none") as f:
        for offset in (5, 17 * MiB + 3, 63 * MiB + 99):
            f.seek(offset)
            assert f.read(CHUNK) == data[offset : offset + CHUNK]
    # Each read covers two chunks; the first one brings the header along.
    assert [n for _, n in counter.requests] == [HEADER + 2 * step, 2 * step, 2 * step]
    counter.clear()

    # A range across chunk boundaries costs the chunks it touches and nothing more.
    start, end = 10 * MiB - 10, 10 * MiB + 3 * CHUNK + 10
    assert vfs.cat_file("big.bin", start=start, end=end) == data[start:end]
    assert [n for _, n in counter.requests] == [HEADER, 5 * step], counter.requests
    counter.clear()

    # Reading the whole file sequentially fetches every byte once: one ranged GET for the
    # first block, then, as the next block follows on, one GET streaming the rest.
    digest = hashlib.sha256()
    with vfs.open("big.bin", "rb") as f:
        while block := f.read(4 * MiB):
            digest.update(block)
    assert digest.digest() == hashlib.sha256(data).digest()
    assert counter.total == ciphertext_size(len(data))
    first = counter.requests[0][1]
    assert counter.requests == [(f"bytes=0-{first - 1}", first), (f"bytes={first}-", ANY)]


def test_s3_get_file_streams_with_one_request(
    s3fs_fs: Location, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    data = os.urandom(10 * MiB + 5)
    vfs.pipe_file("f.bin", data)
    counter = RequestedBytes(monkeypatch, fs)

    vfs.get_file("f.bin", str(tmp_path / "f.bin"))
    assert (tmp_path / "f.bin").read_bytes() == data
    # One GET of the whole object: no ranged GET per block.
    assert counter.requests == [(None, ciphertext_size(len(data)))]
    counter.clear()
    assert vfs.verify_file("f.bin") == len(data)
    assert counter.requests == [(None, ciphertext_size(len(data)))]


def test_s3_stream_resumes_where_the_connection_dropped(
    s3fs_fs: Location, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultui.fs.s3stream import S3ObjectStream

    fs, bucket = s3fs_fs
    data = os.urandom(3 * MiB)
    fs.pipe_file(f"{bucket}/obj", data)
    calls: list[dict[str, Any]] = []
    original = fs._call_s3

    class DroppingBody:
        """Delivers one read, then fails like a connection reset mid-body."""

        def __init__(self, body: Any) -> None:
            self.body, self.reads, self.delivered = body, 0, 0

        async def read(self, n: int) -> bytes:
            self.reads += 1
            if self.reads > 1:
                raise ConnectionResetError("connection reset by peer")
            data = bytes(await self.body.read(n))
            self.delivered += len(data)
            return data

        def close(self) -> None:
            self.body.close()

    dropping: list[DroppingBody] = []

    async def flaky(method: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        response = await original(method, *args, **kwargs)
        if len(calls) == 1:
            dropping.append(DroppingBody(response["Body"]))
            response["Body"] = dropping[0]
        return response

    monkeypatch.setattr(fs, "_call_s3", flaky)
    with io.BufferedReader(S3ObjectStream(fs, f"{bucket}/obj"), buffer_size=MiB) as stream:
        assert stream.read() == data
    assert len(calls) == 2
    assert 0 < dropping[0].delivered < len(data)
    assert calls[1]["Range"] == f"bytes={dropping[0].delivered}-"
    assert calls[1]["IfMatch"] == fs.info(f"{bucket}/obj")["ETag"]


def test_s3_lookups_take_few_requests(
    s3fs_fs: Location, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    vfs.mkdir("d")
    vfs.pipe_file("d/f.txt", b"hello")
    vfs.pipe_file("L" * 200, b"long")  # a .c9s node folder
    methods: list[str] = []
    original = fs._call_s3

    async def counting(method: str, *args: Any, **kwargs: Any) -> Any:
        methods.append(method)
        return await original(method, *args, **kwargs)

    monkeypatch.setattr(fs, "_call_s3", counting)

    def requests(action: Callable[[], object]) -> list[str]:
        fs.invalidate_cache()
        methods.clear()
        action()
        return sorted(methods)

    # The node's own info is the file's info: one HEAD, not a second for the size.
    assert requests(lambda: vfs.info("d/f.txt")) == ["head_object"]
    assert requests(lambda: vfs.cat_file("d/f.txt")) == ["get_object", "head_object"]
    # A node folder is listed once instead of probed member by member.
    assert len(requests(lambda: vfs.info("d"))) == 3
    assert len(requests(lambda: vfs.info("L" * 200))) == 3
    assert requests(lambda: vfs.ls("d")) == ["list_objects_v2"]


def test_s3_abandoned_write_leaves_no_object(s3fs_fs: Location) -> None:
    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    vfs.pipe_file("kept.txt", b"kept")
    before = storage_files(vfs)

    class InterruptedWriteError(Exception):
        pass

    with pytest.raises(InterruptedWriteError), vfs.open("broken.bin", "wb") as f:
        # Past one upload block, so a multipart upload is in progress when it fails.
        f.write(os.urandom(12 * MiB))
        raise InterruptedWriteError

    assert not vfs.exists("broken.bin")
    assert vfs.ls("", detail=False) == ["kept.txt"]
    assert storage_files(vfs) == before
    uploads = fs.call_s3("list_multipart_uploads", Bucket=bucket)
    assert not uploads.get("Uploads"), uploads.get("Uploads")

    # A file dropped while still open publishes nothing either.
    f = vfs.open("dropped.bin", "wb")
    f.write(os.urandom(CHUNK))
    f.discard()
    assert storage_files(vfs) == before

    # Overwriting an existing file and failing keeps the old content.
    with pytest.raises(InterruptedWriteError), vfs.open("kept.txt", "wb") as f:
        f.write(b"half-written")
        raise InterruptedWriteError
    assert vfs.cat_file("kept.txt") == b"kept"


def test_s3_write_dropped_with_parts_in_flight_publishes_nothing(s3fs_fs: Location) -> None:
    """Parts go out concurrently (fs/s3upload.py): a writer garbage-collected while some
    are in flight aborts the upload; nothing is published and no part is left."""
    import gc

    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    before = storage_files(vfs)
    f = vfs.open("dropped.bin", "wb")
    f.write(os.urandom(21 * MiB))  # two full 8 MiB parts sent, the third being filled
    del f
    gc.collect()
    fs.invalidate_cache()
    assert storage_files(vfs) == before
    uploads = fs.call_s3("list_multipart_uploads", Bucket=bucket)
    assert not uploads.get("Uploads"), uploads.get("Uploads")


# --- S3 → pycryptomator: another implementation reads what we wrote -----------------------------


# pycryptomator opens files without closing them.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_pycryptomator_reads_a_vault_written_on_s3(s3fs_fs: Location, tmp_path: Path) -> None:
    from pycryptomator.cryptomator import Vault

    fs, bucket = s3fs_fs
    vfs = new_vault(fs, f"{bucket}/vault")
    tree = {
        "empty.txt": b"",
        "one-chunk.bin": os.urandom(CHUNK),
        "chunk-and-a-byte.bin": os.urandom(CHUNK + 1),
        "docs/readme.md": "# Überschrift\n".encode(),
        "docs/deep/er/still.bin": os.urandom(3 * CHUNK + 17),
        "docs/" + "long-name-" * 25 + ".txt": b"shortened to .c9s",
        "Ünïcödé ordner/日本語.txt": "こんにちは".encode(),
    }
    for path, data in tree.items():
        if "/" in path:
            vfs.makedirs(path.rpartition("/")[0], exist_ok=True)
        with vfs.open(path, "wb") as f:
            f.write(data)
    vfs.makedirs("an/empty/dir")
    big = os.urandom(9 * MiB)  # written by multipart upload
    vfs.pipe_file("docs/big.bin", big)
    tree["docs/big.bin"] = big

    local = tmp_path / "copy"
    fs.get(f"{bucket}/vault", str(local), recursive=True)
    vault = Vault(str(local), password=PASSPHRASE)

    seen_files: set[str] = set()
    seen_dirs: set[str] = set()
    for root, dirs, files in vault.walk("/"):
        seen_dirs.update(f"{root}/{d}".lstrip("/") for d in dirs)
        seen_files.update(f"{root}/{f}".lstrip("/") for f in files)
    assert seen_files == set(tree)
    assert seen_dirs == {"docs", "docs/deep", "docs/deep/er", "Ünïcödé ordner", "an",
                         "an/empty", "an/empty/dir"}
    for path, data in tree.items():
        out = tmp_path / "out.bin"
        vault.decryptFile("/" + path, str(out), force=True)
        assert out.read_bytes() == data, path
