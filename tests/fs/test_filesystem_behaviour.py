"""VaultFileSystem method by method, on memory and local storage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from vaultui.fs.filesystem import VaultFileSystem

# -- directories ----------------------------------------------------------------------


def test_writing_into_missing_folders_creates_them(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("new/deeper/file.txt", b"data")
    assert vaultfs.isdir("new") and vaultfs.isdir("new/deeper")
    assert vaultfs.cat_file("new/deeper/file.txt") == b"data"


def test_without_auto_mkdir_a_missing_parent_is_an_error(vault_factory) -> None:
    fs = vault_factory("memory", auto_mkdir=False)
    with pytest.raises(FileNotFoundError, match="parent directory"):
        fs.pipe_file("missing/file.txt", b"data")
    assert not fs.exists("missing")


def test_makedirs_tolerates_other_threads_making_the_same_folders(
        vaultfs: VaultFileSystem) -> None:
    def make(i: int) -> None:
        vaultfs.makedirs("shared/deep/er", exist_ok=True)
        vaultfs.pipe_file(f"shared/deep/er/{i}.txt", b"x")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(16)))
    assert sorted(vaultfs.ls("shared/deep/er", detail=False)) == sorted(
        f"shared/deep/er/{i}.txt" for i in range(16))


def test_makedirs_on_an_existing_folder(vaultfs: VaultFileSystem) -> None:
    vaultfs.makedirs("a/b")
    vaultfs.makedirs("a/b", exist_ok=True)
    with pytest.raises(FileExistsError):
        vaultfs.makedirs("a/b")
    vaultfs.makedirs("", exist_ok=True)


def test_get_file_creates_local_parent_folders(vaultfs: VaultFileSystem,
                                               tmp_path: Path) -> None:
    vaultfs.pipe_file("f.txt", b"data")
    target = tmp_path / "not" / "yet" / "f.txt"
    vaultfs.get_file("f.txt", str(target))
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]


# -- copying --------------------------------------------------------------------------


def test_recursive_copy_of_a_top_level_folder_into_an_existing_folder(
        vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("src/file", b"1")
    vaultfs.cp("src", "dest", recursive=True)  # dest is new: src's content lands in it
    assert vaultfs.cat_file("dest/file") == b"1"
    vaultfs.cp("src", "dest", recursive=True)  # dest exists: src itself goes inside
    assert vaultfs.cat_file("dest/src/file") == b"1"
    assert sorted(vaultfs.find("dest")) == ["dest/file", "dest/src/file"]


def test_recursive_get_of_a_top_level_folder_into_an_existing_folder(
        vaultfs: VaultFileSystem, tmp_path: Path) -> None:
    vaultfs.pipe_file("src/file", b"1")
    target = tmp_path / "out"
    vaultfs.get("src", str(target), recursive=True)
    vaultfs.get("src", str(target), recursive=True)
    assert (target / "file").read_bytes() == b"1"
    assert (target / "src" / "file").read_bytes() == b"1"


# -- a small tree used by the listing tests --------------------------------------------

TREE = {
    "top.txt": b"top",
    "a/one.bin": bytes(range(256)) * 300,
    "a/b/two.txt": b"two",
    "a/b/c/three.txt": b"",
}


@pytest.fixture
def tree(vaultfs: VaultFileSystem) -> VaultFileSystem:
    for path, data in TREE.items():
        vaultfs.pipe_file(path, data)
    vaultfs.mkdir("empty")
    return vaultfs


def test_ls_names_and_details(tree: VaultFileSystem) -> None:
    assert tree.ls("", detail=False) == ["a", "empty", "top.txt"]
    assert tree.ls("/", detail=False) == ["a", "empty", "top.txt"]
    assert tree.ls("a", detail=False) == ["a/b", "a/one.bin"]
    details = {i["name"]: i for i in tree.ls("a")}
    assert details["a/b"]["type"] == "directory" and details["a/b"]["size"] == 0
    assert details["a/one.bin"]["type"] == "file"
    assert details["a/one.bin"]["size"] == len(TREE["a/one.bin"])
    assert tree.ls("empty") == []


def test_ls_of_a_file_lists_the_file(tree: VaultFileSystem) -> None:
    assert tree.ls("top.txt", detail=False) == ["top.txt"]


def test_ls_of_something_missing(tree: VaultFileSystem) -> None:
    with pytest.raises(FileNotFoundError):
        tree.ls("nope")
    with pytest.raises(NotADirectoryError):  # as POSIX says for a path through a file
        tree.ls("top.txt/below")


def test_info_exists_isdir_isfile(tree: VaultFileSystem) -> None:
    assert tree.info("a/b/two.txt")["size"] == 3
    assert tree.info("a/b")["type"] == "directory"
    assert tree.info("")["type"] == "directory"
    assert tree.exists("a/b/c/three.txt") and tree.isfile("a/b/c/three.txt")
    assert tree.isdir("a/b/c") and not tree.isfile("a/b/c")
    assert tree.isdir("") and tree.exists("")
    assert not tree.exists("a/nope") and not tree.isdir("a/nope") and not tree.isfile("a/nope")
    assert not tree.exists("top.txt/below")
    with pytest.raises(FileNotFoundError):
        tree.info("a/nope")


def test_find_walk_glob_du(tree: VaultFileSystem) -> None:
    assert tree.find("") == sorted(TREE)
    assert tree.find("", withdirs=True) == sorted([*TREE, "a", "a/b", "a/b/c", "empty"])
    assert tree.find("a", maxdepth=1) == ["a/one.bin"]
    walked = {root: (sorted(dirs), sorted(files)) for root, dirs, files in tree.walk("")}
    assert walked[""] == (["a", "empty"], ["top.txt"])
    assert walked["a/b"] == (["c"], ["two.txt"])
    assert tree.glob("a/**/*.txt") == ["a/b/c/three.txt", "a/b/two.txt"]
    assert tree.glob("*.txt") == ["top.txt"]
    assert tree.du("") == sum(len(v) for v in TREE.values())
    assert tree.du("a", total=False)["a/one.bin"] == len(TREE["a/one.bin"])


def test_size_and_sizes(tree: VaultFileSystem) -> None:
    assert tree.size("a/one.bin") == len(TREE["a/one.bin"])
    assert tree.sizes(["top.txt", "a/b/two.txt"]) == [3, 3]


def test_modified_and_created(tree: VaultFileSystem) -> None:
    for path in ("top.txt", "a/b"):
        assert tree.modified(path).year >= 2024


def test_cat_and_cat_file_ranges(tree: VaultFileSystem) -> None:
    data = TREE["a/one.bin"]
    assert tree.cat_file("a/one.bin") == data
    assert tree.cat_file("a/one.bin", start=100, end=200) == data[100:200]
    assert tree.cat_file("a/one.bin", start=-10) == data[-10:]
    assert tree.cat_file("a/one.bin", start=10, end=-10) == data[10:-10]
    assert tree.cat_file("a/one.bin", start=len(data) + 5) == b""
    assert tree.cat_file("a/one.bin", start=50, end=40) == b""
    assert tree.cat(["top.txt", "a/b/two.txt"]) == {"top.txt": b"top", "a/b/two.txt": b"two"}
    assert tree.cat("a/b/c/three.txt") == b""
    assert tree.cat_ranges(["top.txt", "a/one.bin"], [0, 5], [2, 9]) == [b"to", data[5:9]]
    assert tree.head("a/one.bin", 5) == data[:5] and tree.tail("a/one.bin", 5) == data[-5:]


def test_cat_of_a_folder_or_missing_file(tree: VaultFileSystem) -> None:
    with pytest.raises(IsADirectoryError):
        tree.cat_file("a")
    with pytest.raises(FileNotFoundError):
        tree.cat_file("a/nope")


def test_open_read_seek(tree: VaultFileSystem) -> None:
    data = TREE["a/one.bin"]
    with tree.open("a/one.bin", "rb") as f:
        assert f.seekable() and f.size == len(data)
        f.seek(40000)
        assert f.read(100) == data[40000:40100]
        f.seek(-50, 2)
        assert f.read() == data[-50:]
        f.seek(0)
        assert f.read() == data


def test_open_write_and_modes(vaultfs: VaultFileSystem) -> None:
    with vaultfs.open("w.bin", "wb") as f:
        f.write(b"abc")
        f.write(b"def")
        assert f.tell() == 6
    assert vaultfs.cat_file("w.bin") == b"abcdef"
    with pytest.raises(FileExistsError):
        vaultfs.open("w.bin", "xb")
    with pytest.raises(ValueError, match="not supported"):
        vaultfs.open("w.bin", "ab")
    vaultfs.mkdir("d")
    with pytest.raises(IsADirectoryError):
        vaultfs.open("d", "wb")


def test_text_mode_and_write_read_text(vaultfs: VaultFileSystem) -> None:
    vaultfs.write_text("notes/hello.txt", "héllo\nwörld\n", encoding="utf-8")
    assert vaultfs.read_text("notes/hello.txt", encoding="utf-8") == "héllo\nwörld\n"
    with vaultfs.open("notes/t.txt", "w") as f:
        f.write("line\n")
    with vaultfs.open("notes/t.txt", "r") as f:
        assert f.readlines() == ["line\n"]


def test_pipe_and_pipe_file(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe({"p/1": b"one", "p/2": b"two"})
    vaultfs.pipe("p/3", b"three")
    assert vaultfs.cat(["p/1", "p/2", "p/3"]) == {"p/1": b"one", "p/2": b"two", "p/3": b"three"}
    vaultfs.pipe_file("p/1", b"uno")
    assert vaultfs.cat_file("p/1") == b"uno"
    with pytest.raises(FileExistsError):
        vaultfs.pipe_file("p/1", b"x", mode="create")


def test_touch(vaultfs: VaultFileSystem) -> None:
    vaultfs.touch("t")
    assert vaultfs.cat_file("t") == b""
    vaultfs.pipe_file("t", b"keep")
    vaultfs.touch("t", truncate=False)
    assert vaultfs.cat_file("t") == b"keep"
    vaultfs.touch("t")
    assert vaultfs.cat_file("t") == b""


class _Progress:
    def __init__(self) -> None:
        self.size: int | None = None
        self.value = 0

    def set_size(self, size: int) -> None:
        self.size = size

    def relative_update(self, inc: int = 1) -> None:
        self.value += inc


def test_put_and_get_recursive_with_callbacks(vaultfs: VaultFileSystem,
                                              tmp_path: Path) -> None:
    from fsspec.callbacks import Callback

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.bin").write_bytes(b"a" * 70000)
    (src / "sub" / "b.txt").write_bytes(b"b")
    (src / "emptydir").mkdir()

    class Recording(Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.branches: list[_Progress] = []

        def branched(self, path_1: str, path_2: str, **kwargs: object) -> Callback:
            child = Callback()
            progress = _Progress()
            child.set_size = progress.set_size
            child.relative_update = progress.relative_update
            self.branches.append(progress)
            return child

    put_cb = Recording()
    vaultfs.put(str(src), "in", recursive=True, callback=put_cb)
    assert vaultfs.cat_file("in/a.bin") == b"a" * 70000
    assert vaultfs.cat_file("in/sub/b.txt") == b"b"
    assert vaultfs.isdir("in/emptydir")
    assert put_cb.size == 5  # src, a.bin, sub, sub/b.txt, emptydir
    assert sorted(p.value for p in put_cb.branches if p.size) == [1, 70000]

    out = tmp_path / "out"
    get_cb = Recording()
    vaultfs.get("in", str(out), recursive=True, callback=get_cb)
    assert (out / "a.bin").read_bytes() == b"a" * 70000
    assert (out / "sub" / "b.txt").read_bytes() == b"b"
    assert (out / "emptydir").is_dir()
    assert sorted(p.value for p in get_cb.branches if p.size) == [1, 70000]


def test_mkdir_and_rmdir(vaultfs: VaultFileSystem) -> None:
    vaultfs.mkdir("x/y")  # creates parents by default
    assert vaultfs.isdir("x/y")
    with pytest.raises(FileExistsError):
        vaultfs.mkdir("x/y")
    with pytest.raises(FileNotFoundError):
        vaultfs.mkdir("p/q", create_parents=False)
    with pytest.raises(OSError, match="not empty"):
        vaultfs.rmdir("x")
    vaultfs.rmdir("x/y")
    vaultfs.rmdir("x")
    assert vaultfs.ls("") == []


def test_rm(tree: VaultFileSystem) -> None:
    tree.rm("top.txt")
    assert not tree.exists("top.txt")
    with pytest.raises(OSError, match="not empty"):
        tree.rm("a")
    tree.rm("a", recursive=True)
    assert tree.ls("", detail=False) == ["empty"]
    tree.rm("empty")
    with pytest.raises(FileNotFoundError):
        tree.rm("a")
    with pytest.raises(PermissionError):
        tree.rm("", recursive=True)


def test_rm_list_and_glob(tree: VaultFileSystem) -> None:
    tree.rm(["top.txt", "a/b/two.txt"])
    assert not tree.exists("top.txt") and not tree.exists("a/b/two.txt")
    tree.pipe({"g/1.csv": b"", "g/2.csv": b"", "g/3.txt": b""})
    tree.rm("g/*.csv")
    assert tree.ls("g", detail=False) == ["g/3.txt"]


def test_rm_with_maxdepth_removes_only_that_deep(tree: VaultFileSystem) -> None:
    tree.rm("a", recursive=True, maxdepth=2)
    # a/one.bin and a/b/two.txt are within two levels; a/b/c/three.txt is not, so
    # a/b/c, a/b and a stay.
    assert tree.find("a", withdirs=True) == ["a", "a/b", "a/b/c", "a/b/c/three.txt"]


def test_rm_file(tree: VaultFileSystem) -> None:
    tree.rm_file("a/b/two.txt")
    assert not tree.exists("a/b/two.txt")
    with pytest.raises(IsADirectoryError):
        tree.rm_file("a")


def test_mv_file_and_folder(tree: VaultFileSystem) -> None:
    tree.mv("top.txt", "renamed.txt")
    assert tree.cat_file("renamed.txt") == b"top" and not tree.exists("top.txt")
    tree.mv("a", "z")
    assert tree.find("z") == sorted(p.replace("a/", "z/", 1) for p in TREE if p.startswith("a/"))
    assert tree.cat_file("z/b/two.txt") == b"two"
    assert not tree.exists("a") and not tree.exists("a/b/two.txt")
    tree.mv("renamed.txt", "empty")  # into an existing folder
    assert tree.cat_file("empty/renamed.txt") == b"top"
    tree.mv("z/b", "empty/b2")  # a folder to a new name elsewhere
    assert tree.cat_file("empty/b2/c/three.txt") == b""


def test_mv_replaces_a_file_and_refuses_odd_moves(tree: VaultFileSystem) -> None:
    tree.pipe_file("other.txt", b"other")
    tree.mv("other.txt", "top.txt")
    assert tree.cat_file("top.txt") == b"other"
    with pytest.raises(OSError, match="into itself"):
        tree.mv("a", "a/b/inside")
    with pytest.raises(FileNotFoundError):
        tree.mv("nope", "x")
    with pytest.raises(PermissionError):
        tree.mv("", "x")


def test_cp_file_and_folder(tree: VaultFileSystem) -> None:
    tree.cp("a/one.bin", "copy.bin")
    assert tree.cat_file("copy.bin") == TREE["a/one.bin"]
    tree.cp("a", "a2", recursive=True)
    assert tree.find("a2") == sorted(p.replace("a/", "a2/", 1) for p in TREE
                                     if p.startswith("a/"))
    tree.pipe_file("copy.bin", b"changed")  # the copy is independent
    assert tree.cat_file("a/one.bin") == TREE["a/one.bin"]


def test_symlinks(vaultfs: VaultFileSystem) -> None:
    vaultfs.symlink("target/elsewhere.txt", "link")
    assert vaultfs.readlink("link") == "target/elsewhere.txt"
    info = vaultfs.info("link")
    assert info["islink"] and info["type"] == "other"
    vaultfs.mv("link", "link2")
    assert vaultfs.readlink("link2") == "target/elsewhere.txt"
    vaultfs.cp("link2", "link3")
    assert vaultfs.readlink("link3") == "target/elsewhere.txt"
    vaultfs.rm("link2")
    assert vaultfs.ls("", detail=False) == ["link3"]


# -- transactions -----------------------------------------------------------------------


def test_transaction_publishes_writes_at_the_end(vaultfs: VaultFileSystem) -> None:
    with vaultfs.transaction:
        vaultfs.pipe_file("t/a.txt", b"a")
        with vaultfs.open("t/b.txt", "wb") as f:
            f.write(b"b")
        assert not vaultfs.exists("t/a.txt") and not vaultfs.exists("t/b.txt")
    assert vaultfs.cat(["t/a.txt", "t/b.txt"]) == {"t/a.txt": b"a", "t/b.txt": b"b"}


def test_failed_transaction_publishes_nothing(vaultfs: VaultFileSystem) -> None:
    root = vaultfs.location.root.rstrip("/")
    before = sorted(vaultfs.storage.find(root))
    with pytest.raises(RuntimeError), vaultfs.transaction:
        vaultfs.pipe_file("a.txt", b"a")
        vaultfs.pipe_file("long name " * 20, b"b")
        raise RuntimeError("changed my mind")
    assert vaultfs.ls("") == []
    assert sorted(vaultfs.storage.find(root)) == before


def test_mv_of_a_list_or_glob_into_a_folder(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe({"a.csv": b"a", "b.csv": b"b", "c.txt": b"c", "d.txt": b"d"})
    vaultfs.mv("*.csv", "csvs")
    vaultfs.mv(["c.txt", "d.txt"], "texts")
    assert vaultfs.find("") == ["csvs/a.csv", "csvs/b.csv", "texts/c.txt", "texts/d.txt"]
    vaultfs.mv(["csvs/a.csv", "csvs/b.csv"], ["x.csv", "y.csv"])
    assert vaultfs.cat(["x.csv", "y.csv"]) == {"x.csv": b"a", "y.csv": b"b"}


# -- caches -----------------------------------------------------------------------------


def test_directory_id_cache_follows_moves_and_removals(vaultfs: VaultFileSystem) -> None:
    vaultfs.pipe_file("x/f.txt", b"f")
    vaultfs.ls("x")  # cache x's id
    vaultfs.mv("x", "y")
    vaultfs.mkdir("x")
    assert vaultfs.ls("x") == []  # a new directory, not the old id
    assert vaultfs.ls("y", detail=False) == ["y/f.txt"]
    vaultfs.rm("y", recursive=True)
    vaultfs.mkdir("y")
    assert vaultfs.ls("y") == []
    vaultfs.pipe_file("y/sub/g.txt", b"g")
    vaultfs.ls("y/sub")
    vaultfs.mv("y", "x/y")
    assert vaultfs.cat_file("x/y/sub/g.txt") == b"g"
    assert not vaultfs.exists("y/sub")


def test_changes_by_another_instance_need_invalidate_cache(vaultfs: VaultFileSystem) -> None:
    other = VaultFileSystem(fs=vaultfs.storage, root=vaultfs.location.root,
                            passphrase="fs tests passphrase")
    vaultfs.pipe_file("x/f.txt", b"f")
    assert other.ls("x", detail=False) == ["x/f.txt"]
    vaultfs.mv("x", "z")
    other.invalidate_cache()
    assert not other.exists("x") and other.ls("z", detail=False) == ["z/f.txt"]


def test_names_with_glob_characters_are_names(vaultfs: VaultFileSystem, tmp_path: Path) -> None:
    vaultfs.pipe({"report[1].txt": b"bracket", "report1.txt": b"plain", "what?.txt": b"q",
                  "star*.txt": b"s"})
    vaultfs.cp("report[1].txt", "copy[1].txt")
    assert vaultfs.cat_file("copy[1].txt") == b"bracket"
    vaultfs.get("what?.txt", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_bytes() == b"q"
    vaultfs.mv("star*.txt", "moved*.txt")
    vaultfs.rm("report[1].txt")
    assert vaultfs.find("") == ["copy[1].txt", "moved*.txt", "report1.txt", "what?.txt"]
    vaultfs.rm("report[0-9].txt")  # not a name here: a pattern
    assert vaultfs.find("") == ["copy[1].txt", "moved*.txt", "what?.txt"]
