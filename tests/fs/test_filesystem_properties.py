"""Property tests: random trees and names round-trip, random sizes and seeks read back exactly."""

from __future__ import annotations

import io
import unicodedata

from fsspec.implementations.memory import MemoryFileSystem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultui.crypto.keys import Masterkey
from vaultui.crypto.names import max_cleartext_name_bytes
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

CHUNK = 32 * 1024
LIMIT = max_cleartext_name_bytes(220)  # 146 bytes: longer names are stored shortened

_KEY: list[Masterkey] = []


def new_vault() -> VaultFileSystem:
    """A fresh vault on its own memory store (the key is made once: scrypt is slow)."""
    storage = MemoryFileSystem(global_store=False, skip_instance_cache=True)
    location = VaultLocation(storage, "/v")
    key = location.create("properties", scrypt_cost=1024,
                          masterkey=_KEY[0] if _KEY else None)
    _KEY[:] = [key]
    return VaultFileSystem(fs=storage, root="/v", masterkey=key)


# -- names and trees ------------------------------------------------------------------

#: Characters of 1 to 4 UTF-8 bytes, including ones whose NFD form differs (é, Å, ñ, 가).
_CHARS = st.sampled_from(list("abcXYZ019 -_.,;'()[]{}~!@#$%&+=") + list("éÅñüßçø")
                         + list("가나다日本語") + ["🙂", "🦀", "\u0301"])


@st.composite
def names(draw: st.DrawFn) -> str:
    """A file name whose UTF-8 length lies around the shortening limit, or is short."""
    target = draw(st.one_of(st.integers(1, 20), st.integers(LIMIT - 12, LIMIT + 12)))
    text = ""
    while len(text.encode()) < target:
        text += draw(_CHARS)
    if text in (".", "..") or text.startswith("\u0301"):
        text = "n" + text
    return unicodedata.normalize("NFC", text)


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, ...]]:
    """Paths as component tuples: up to 3 folders deep, names around the limit."""
    folders = draw(st.lists(st.lists(names(), min_size=1, max_size=3), max_size=3))
    files = draw(st.lists(st.tuples(st.integers(0, max(len(folders) - 1, 0)), names()),
                          min_size=1, max_size=6))
    paths = []
    for index, name in files:
        parent = tuple(folders[index]) if folders else ()
        paths.append((*parent, name))
    return paths


def _expected(paths: list[tuple[str, ...]]) -> tuple[set[str], set[str]]:
    files, dirs = set(), set()
    for parts in paths:
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))
        files.add("/".join(parts))
    return files - dirs, dirs  # a name used as a folder stays a folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.booleans())
def test_random_trees_list_back_identically(paths: list[tuple[str, ...]], nfd: bool) -> None:
    fs = new_vault()
    files, dirs = _expected(paths)
    for d in sorted(dirs):
        fs.makedirs(d, exist_ok=True)
    for f in sorted(files):
        written = unicodedata.normalize("NFD", f) if nfd else f  # as macOS would name it
        fs.pipe_file(written, f.encode())
    assert set(fs.find("")) == files
    assert set(fs.find("", withdirs=True)) == files | dirs
    for f in files:
        assert fs.cat_file(f) == f.encode()
        assert fs.cat_file(unicodedata.normalize("NFD", f)) == f.encode()
    for d in dirs | {""}:
        children = {p for p in files | dirs if p.rpartition("/")[0] == d}
        assert set(fs.ls(d, detail=False)) == children
    # Every storage object maps back to one of the paths.
    root = fs.location.root
    for obj in fs.storage.find(f"{root}/d"):
        assert fs.cleartext_path(obj) in files | dirs | {""}


@settings(max_examples=20, deadline=None)
@given(st.lists(names(), min_size=1, max_size=4, unique=True))
def test_renaming_keeps_contents_whatever_the_name_length(chain: list[str]) -> None:
    fs = new_vault()
    fs.pipe_file("start", b"payload")
    fs.makedirs("dir/inner")
    fs.pipe_file("dir/inner/f", b"inside")
    current, folder = "start", "dir"
    for name in chain:
        fs.mv(current, name)
        current = name
        fs.mv(folder, name + ".d")
        folder = name + ".d"
    assert fs.cat_file(current) == b"payload"
    assert fs.cat_file(f"{folder}/inner/f") == b"inside"
    assert set(fs.ls("", detail=False)) == {current, folder}


# -- sizes and seeks --------------------------------------------------------------------

_SIZES = st.one_of(
    st.sampled_from([0, 1, 2, 27, 28, 29]),
    st.builds(lambda k, d: max(0, k * CHUNK + d), st.integers(1, 4), st.integers(-1, 1)),
    st.integers(0, 5 * CHUNK),
)


@settings(max_examples=60, deadline=None)
@given(size=_SIZES, pieces=st.lists(st.integers(1, 3 * CHUNK), min_size=1, max_size=8),
       reads=st.lists(st.tuples(st.sampled_from(["set", "cur", "end"]),
                                st.integers(-3 * CHUNK, 5 * CHUNK),
                                st.integers(-1, 2 * CHUNK)), max_size=12),
       data=st.data())
def test_random_sizes_write_and_read_back_with_random_seeks(
        size: int, pieces: list[int], reads: list[tuple[str, int, int]],
        data: st.DataObject) -> None:
    fs = new_vault()
    payload = data.draw(st.binary(min_size=size, max_size=size)) if size < 64 else bytes(
        (i * 7 + size) % 256 for i in range(size))
    with fs.open("f.bin", "wb") as f:
        pos, i = 0, 0
        while pos < size:
            step = pieces[i % len(pieces)]
            f.write(payload[pos:pos + step])
            pos += step
            i += 1
    assert fs.size("f.bin") == size
    assert fs.cat_file("f.bin") == payload
    reference = io.BytesIO(payload)
    with fs.open("f.bin", "rb") as f:
        for whence_name, offset, length in reads:
            whence = {"set": 0, "cur": 1, "end": 2}[whence_name]
            target = {0: offset, 1: reference.tell() + offset, 2: size + offset}[whence]
            if target < 0:
                continue  # both would refuse; not what is tested here
            assert f.seek(offset, whence) == reference.seek(offset, whence)
            assert f.read(length) == reference.read(length)
            assert f.tell() == reference.tell()


@settings(max_examples=60, deadline=None)
@given(size=_SIZES, ranges=st.lists(st.tuples(st.integers(-6 * CHUNK, 6 * CHUNK),
                                              st.one_of(st.none(),
                                                        st.integers(-6 * CHUNK, 6 * CHUNK))),
                                    min_size=1, max_size=6))
def test_cat_file_ranges_match_slicing(size: int, ranges: list[tuple[int, int | None]]) -> None:
    fs = new_vault()
    payload = bytes((i * 13 + 5) % 256 for i in range(size))
    fs.pipe_file("f.bin", payload)
    for start, end in ranges:
        if start < 0 and -start > size:
            start = 0  # fsspec clamps, slicing would too
        expected = payload[start:end] if end is None or end >= 0 or -end <= size else b""
        assert fs.cat_file("f.bin", start=start, end=end) == expected
