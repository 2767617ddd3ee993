"""Interop with pycryptomator, an independent implementation of vault format 8.

A vault vaultui writes must list and decrypt identically in pycryptomator, and a vault
pycryptomator writes must read identically in vaultui. pycryptomator is only a test
oracle here: nothing in vaultui imports it. It speaks SIV_GCM only, works on local
directories, prints as it goes and raises BaseException on failures.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vaultui.crypto.constants import CLEARTEXT_CHUNK_SIZE
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.masterkeyfile import MasterkeyFile
from vaultui.crypto.names import max_cleartext_name_bytes
from vaultui.crypto.recovery import decode_recovery_key, encode_recovery_key
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

pycryptomator = pytest.importorskip("pycryptomator.cryptomator")
wordscodec = pytest.importorskip("pycryptomator.wordscodec")

# pycryptomator opens files without closing them; that is its business, not a failure.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PASSPHRASE = "interop passphrase"
#: The lowest cost vaultui accepts; pycryptomator reads N and r from the masterkey file.
FAST_SCRYPT = 1024
CHUNK = CLEARTEXT_CHUNK_SIZE
MIB = 1024 * 1024
WORDS_FILE = Path(pycryptomator.__file__).with_name("4096words_en.txt")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- the tree both implementations write and must read alike ------------------------------

@dataclass
class TreeSpec:
    """Directories, files and symlinks as a writer is given them (names possibly NFD).

    `expected()` is what any reader must see: every name NFC, every parent listed.
    """

    dirs: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)

    def expected(self) -> dict[str, tuple[Any, ...]]:
        out: dict[str, tuple[Any, ...]] = {}

        def add_parents(path: str) -> None:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                out.setdefault("/".join(parts[:i]), ("dir",))

        for d in self.dirs:
            add_parents(nfc(d))
            out[nfc(d)] = ("dir",)
        for p, data in self.files.items():
            add_parents(nfc(p))
            out[nfc(p)] = file_entry(data)
        for p, target in self.symlinks.items():
            add_parents(nfc(p))
            out[nfc(p)] = ("symlink", target)
        return out

    def file_paths(self) -> list[str]:
        return [nfc(p) for p in self.files]


def file_entry(data: bytes) -> tuple[Any, ...]:
    return ("file", len(data), hashlib.sha256(data).hexdigest())


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def utf8_len(name: str) -> int:
    return len(nfc(name).encode("utf-8"))


LIMIT = max_cleartext_name_bytes()  # 146 at the default threshold of 220
LONG_DIR = "long-directory-" + "d" * (LIMIT + 10 - len("long-directory-"))
SIZES = (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * MIB + 7)


def make_spec() -> TreeSpec:
    spec = TreeSpec()
    # Sizes at and around the 32 KiB chunk boundary, plus a multi-MiB file deep down.
    spec.files["empty.txt"] = b""
    spec.files["one.bin"] = b"\x00"
    spec.files["deep/er/still/chunk-32767.bin"] = payload(CHUNK - 1, 1)
    spec.files["deep/er/still/chunk-32768.bin"] = payload(CHUNK, 2)
    spec.files["deep/er/chunk-32769.bin"] = payload(CHUNK + 1, 3)
    spec.files["deep/er/still/deepest/chunk-65536.bin"] = payload(2 * CHUNK, 4)
    spec.files["deep/er/still/deepest/big.bin"] = payload(3 * MIB + 7, 5)
    spec.files["deep/er/still/deepest/empty"] = b""
    spec.dirs.append("empty-dir")
    spec.dirs.append("deep/er/still/deepest/empty-too")
    # Names just under and just over the shortening threshold (146 UTF-8 bytes),
    # with 1-, 2-, 3- and 4-byte characters.
    names = [
        "a" * LIMIT,
        "b" * (LIMIT + 1),
        "é" * (LIMIT // 2),                      # 146 bytes of 2-byte characters
        "é" * (LIMIT // 2) + "x",                # 147
        "€" * 48 + "xy",                         # 146 bytes, 3-byte characters
        "€" * 48 + "xyz",                        # 147
        "😀" * 36 + "xy",                        # 146 bytes, 4-byte characters
        "😀" * 36 + "xyz",                       # 147
    ]
    for i, name in enumerate(names):
        spec.files[f"names/{name}"] = f"name #{i}, {utf8_len(name)} bytes".encode()
    # NFD input: must be stored and shown as NFC. The second is over the threshold
    # in NFD (219 bytes) but under it in NFC (146 bytes).
    spec.files[nfd("names/Übergrößenträger.txt")] = b"nfd input"
    spec.files["names/" + nfd("ö" * (LIMIT // 2))] = b"nfd long"
    spec.files[nfd("Ordner-äöü/日本語のファイル.txt")] = "こんにちは".encode()
    spec.files["names/with space & (parens) + 'quotes'.txt"] = b"punctuation"
    # A directory whose own name is shortened, with a file and a subdirectory inside.
    spec.files[f"{LONG_DIR}/inside.txt"] = b"inside a long-named directory"
    spec.files[f"{LONG_DIR}/sub/{'c' * (LIMIT + 1)}"] = payload(CHUNK + 1, 6)
    # Symlinks: relative, absolute-looking, dangling, and one with a shortened name.
    spec.symlinks["links/relative"] = "../deep/er/chunk-32769.bin"
    spec.symlinks["links/absolute"] = "/absolute/elsewhere/target.txt"
    spec.symlinks["links/dangling"] = "no/such/file"
    spec.symlinks["links/" + "l" * (LIMIT + 1)] = "../one.bin"
    return spec


SPEC = make_spec()
EXPECTED = SPEC.expected()


def test_spec_covers_the_threshold() -> None:
    lengths = {utf8_len(p.rpartition("/")[2]) for p in SPEC.files}
    assert {LIMIT, LIMIT + 1} <= lengths
    assert LIMIT == 146
    assert any(p != nfc(p) for p in SPEC.files)
    assert max(p.count("/") for p in EXPECTED) >= 4


# -- writing the tree ------------------------------------------------------------------

def write_with_vaultui(fs: VaultFileSystem, spec: TreeSpec) -> None:
    for d in spec.dirs:
        fs.makedirs(d, exist_ok=True)
    for path, data in spec.files.items():
        fs.makedirs(path.rpartition("/")[0], exist_ok=True)
        fs.pipe_file(path, data)
    for path, target in spec.symlinks.items():
        fs.makedirs(path.rpartition("/")[0], exist_ok=True)
        fs.symlink(target, path)


def write_with_pycryptomator(vault: Any, spec: TreeSpec) -> None:
    # A conforming writer normalises names to NFC (vault format 6+); pycryptomator does
    # not (see test_pycryptomator_stores_nfd_names_as_given), so we do it for it.
    for d in spec.dirs:
        vault.mkdir("/" + nfc(d))
    for path, data in spec.files.items():
        vault.encryptFile(io.BytesIO(data), "/" + nfc(path))
    for path, target in spec.symlinks.items():
        vault.mkdir("/" + nfc(path).rpartition("/")[0])
        vault.ln(target, "/" + nfc(path))


def new_vaultui_vault(root: Path, passphrase: str = PASSPHRASE) -> VaultFileSystem:
    root.mkdir(parents=True)
    VaultLocation.from_url(str(root)).create(passphrase, scrypt_cost=FAST_SCRYPT)
    return VaultFileSystem(str(root), passphrase=passphrase)


def new_pycryptomator_vault(root: Path, passphrase: str = PASSPHRASE) -> Any:
    root.mkdir(parents=True)
    pycryptomator.init_vault(str(root), passphrase)
    return pycryptomator.Vault(str(root), passphrase)


# -- reading a vault back ----------------------------------------------------------------

class _Sink:
    """A write target for pycryptomator.decryptFile, which closes what it is given."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def close(self) -> None:
        pass


def pycryptomator_snapshot(vault: Any) -> dict[str, tuple[Any, ...]]:
    """(type, size, sha256) of every item, and symlink targets, as pycryptomator sees them."""
    out: dict[str, tuple[Any, ...]] = {}
    for root, dirs, files in vault.walk("/"):
        for name in dirs:
            out[f"{root}/{name}".lstrip("/")] = ("dir",)
        for name in files:
            vpath = f"{root}/{name}".replace("//", "/")
            info = vault.getInfo(vpath)
            if info.hasSym:
                out[vpath.lstrip("/")] = ("symlink", vault.resolveSymlink(vpath, info.hasSym)[1])
                continue
            sink = _Sink()
            vault.decryptFile(vpath, sink)
            out[vpath.lstrip("/")] = ("file", sink.size, sink.digest.hexdigest())
    return out


def vaultui_snapshot(fs: VaultFileSystem) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for path, info in fs.find("", withdirs=True, detail=True).items():
        if info["type"] == "directory":
            out[path] = ("dir",)
        elif info["islink"]:
            out[path] = ("symlink", fs.readlink(path))
        else:
            out[path] = file_entry(fs.cat_file(path))
    return out


def content_dirs(root: Path) -> set[str]:
    """Every d/XX/YYYY folder on storage."""
    return {f"d/{a.name}/{b.name}" for a in (root / "d").iterdir() for b in a.iterdir()}


def assert_no_orphans(root: Path, vault: Any) -> None:
    """Every content folder is reachable from the root, and every node in them is listed."""
    reachable = {os.path.relpath(vault.root, root)}
    listed = 0
    for dirpath, dirs, files in vault.walk("/"):
        listed += len(dirs) + len(files)
        for name in dirs:
            reachable.add(os.path.relpath(vault.getInfo(f"{dirpath}/{name}".replace("//", "/"))
                                          .realDir, root))
    assert content_dirs(root) == reachable
    nodes = sum(1 for d in reachable for e in (root / d).iterdir() if e.name != "dirid.c9r")
    assert nodes == listed
    assert not [p for p in root.rglob("*") if p.name.endswith(".part")]


# -- direction A: vaultui writes, pycryptomator reads ------------------------------------

@pytest.fixture(scope="module")
def vaultui_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ours") / "vault"
    write_with_vaultui(new_vaultui_vault(root), SPEC)
    return root


def test_pycryptomator_reads_what_vaultui_writes(vaultui_vault: Path) -> None:
    # pycryptomator takes N and r from the masterkey file, so the fast cost works for it.
    mk = json.loads((vaultui_vault / "masterkey.cryptomator").read_bytes())
    assert (mk["scryptCostParam"], mk["scryptBlockSize"]) == (FAST_SCRYPT, 8)
    vault = pycryptomator.Vault(str(vaultui_vault), PASSPHRASE)
    assert pycryptomator_snapshot(vault) == EXPECTED


def test_vaultui_reads_back_what_it_writes(vaultui_vault: Path) -> None:
    fs = VaultFileSystem(str(vaultui_vault), passphrase=PASSPHRASE)
    assert vaultui_snapshot(fs) == EXPECTED


def test_vaultui_vault_has_no_orphans(vaultui_vault: Path) -> None:
    assert_no_orphans(vaultui_vault, pycryptomator.Vault(str(vaultui_vault), PASSPHRASE))


def test_nfd_input_is_stored_nfc(vaultui_vault: Path) -> None:
    """pycryptomator does not normalise: it finds the NFC names only if we wrote NFC."""
    vault = pycryptomator.Vault(str(vaultui_vault), PASSPHRASE)
    for path in SPEC.files:
        if path != nfc(path):
            assert vault.getInfo("/" + nfc(path)).exists
            assert not vault.getInfo("/" + path).exists


_LS_LINE = re.compile(r"^\s+(<DIR>|<SYM>|\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d  (.*?)(?: \[--> .*\])?$")


def test_pycryptomator_cli_lists_vaultui_vault(vaultui_vault: Path) -> None:
    """Its command line computes sizes from ciphertext sizes, independently of us."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pycryptomator", "--password", PASSPHRASE, str(vaultui_vault),
         "ls", "-r", "/"],
        capture_output=True, env=env, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("utf-8")
    listed: dict[str, tuple[str, str]] = {}
    directory = ""
    for line in out.splitlines():
        if line.startswith("  Directory of "):
            directory = line[len("  Directory of "):].strip().strip("/")
            continue
        m = _LS_LINE.match(line)
        if m:
            path = f"{directory}/{m.group(2)}".strip("/")
            listed[path] = (m.group(1), m.group(2))
    assert set(listed) == set(EXPECTED)
    for path, entry in EXPECTED.items():
        kind = listed[path][0]
        if entry[0] == "dir":
            assert kind == "<DIR>"
        elif entry[0] == "symlink":
            assert kind == "<SYM>"
        else:
            assert int(kind) == entry[1], path


# -- direction B: pycryptomator writes, vaultui reads ------------------------------------

@pytest.fixture(scope="module")
def their_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("theirs") / "vault"
    write_with_pycryptomator(new_pycryptomator_vault(root), SPEC)
    return root


@pytest.fixture(scope="module")
def their_fs(their_vault: Path) -> VaultFileSystem:
    return VaultFileSystem(str(their_vault), passphrase=PASSPHRASE)


def test_pycryptomator_reads_back_what_it_writes(their_vault: Path) -> None:
    """The oracle agrees with itself: a failure here is pycryptomator's, not ours."""
    assert pycryptomator_snapshot(pycryptomator.Vault(str(their_vault), PASSPHRASE)) == EXPECTED


def test_vaultui_finds_every_item(their_fs: VaultFileSystem) -> None:
    found = their_fs.find("", withdirs=True, detail=True)
    assert set(found) == set(EXPECTED)
    for path, info in found.items():
        kind = EXPECTED[path][0]
        assert info["type"] == {"dir": "directory", "file": "file", "symlink": "other"}[kind]
        assert info["islink"] == (kind == "symlink")


def test_vaultui_sizes_and_contents(their_fs: VaultFileSystem) -> None:
    for path, data in SPEC.files.items():
        path = nfc(path)
        assert their_fs.info(path)["size"] == len(data), path
        assert their_fs.size(path) == len(data), path
        assert their_fs.cat_file(path) == data, path
    assert vaultui_snapshot(their_fs) == EXPECTED


def test_vaultui_ls_sizes(their_fs: VaultFileSystem) -> None:
    """Sizes from a listing (computed from ciphertext sizes) match too."""
    for path, entry in EXPECTED.items():
        if entry[0] == "file":
            parent = path.rpartition("/")[0]
            listing = {i["name"]: i for i in their_fs.ls(parent, detail=True)}
            assert listing[path]["size"] == entry[1], path


def test_vaultui_readlink(their_fs: VaultFileSystem) -> None:
    for path, target in SPEC.symlinks.items():
        assert their_fs.readlink(path) == target


BOUNDARY_RANGES = [
    (0, 1), (CHUNK - 1, CHUNK + 1), (CHUNK, 2 * CHUNK), (CHUNK - 5, 3 * CHUNK + 5),
    (5 * CHUNK + 100, 40 * CHUNK), (MIB - 1, MIB + 1), (3 * MIB - 3, None), (-7, None),
    (10, 10), (3 * MIB + 7, None), (None, 2 * CHUNK + 3),
]


@pytest.mark.parametrize(("start", "end"), BOUNDARY_RANGES)
def test_vaultui_ranged_reads(their_fs: VaultFileSystem, start: int | None,
                              end: int | None) -> None:
    path = "deep/er/still/deepest/big.bin"
    data = SPEC.files[path]
    assert their_fs.cat_file(path, start=start, end=end) == data[start:end]


def test_vaultui_ranged_reads_of_small_files(their_fs: VaultFileSystem) -> None:
    for path in ("deep/er/still/chunk-32767.bin", "deep/er/still/chunk-32768.bin",
                 "deep/er/chunk-32769.bin"):
        data = SPEC.files[path]
        for start in (0, CHUNK - 2, CHUNK - 1, CHUNK, len(data) - 1):
            for end in (start + 1, start + 2, len(data), len(data) + 10):
                assert their_fs.cat_file(path, start=start, end=end) == data[start:end]
        with their_fs.open(path, "rb") as f:
            f.seek(CHUNK - 1)
            assert f.read(2) == data[CHUNK - 1:CHUNK + 1]


def test_vaultui_lists_pycryptomator_vault_without_surprises(their_vault: Path) -> None:
    """pycryptomator's root dirid.c9r is not a valid encrypted file; listings skip it."""
    fs = VaultFileSystem(str(their_vault), passphrase=PASSPHRASE)
    assert fs.ls("", detail=False) == sorted(p for p in EXPECTED if "/" not in p)


def test_pycryptomator_stores_nfd_names_as_given(tmp_path: Path) -> None:
    """pycryptomator encrypts a name as it is given; Cryptomator (and we) encrypt its NFC.

    vaultui shows such a name in NFC and can read, rename and delete it.
    """
    name = nfd("Übergröße.txt")
    vault = new_pycryptomator_vault(tmp_path / "v")
    vault.encryptFile(io.BytesIO(b"stored nfd"), "/" + name)
    vault.mkdir("/" + nfd("Verzeichnis-ä"))
    vault.encryptFile(io.BytesIO(b"inside"), "/" + nfd("Verzeichnis-ä/ü.txt"))
    assert vault.getInfo("/" + name).exists
    assert not vault.getInfo("/" + nfc(name)).exists
    # Straight to the paths, without a listing first.
    fresh = VaultFileSystem(str(tmp_path / "v"), passphrase=PASSPHRASE)
    assert fresh.cat_file(nfc("Verzeichnis-ä/ü.txt")) == b"inside"
    assert fresh.info(name)["size"] == len(b"stored nfd")
    assert not fresh.exists(nfc("Verzeichnis-ä/ö.txt"))
    fresh.pipe_file(nfc(name), b"overwritten")  # the stored node, not a second one
    assert fresh.cat_file(name) == b"overwritten"
    fresh.pipe_file(name, b"stored nfd")
    fs = VaultFileSystem(str(tmp_path / "v"), passphrase=PASSPHRASE)
    found = fs.find("", withdirs=True)
    assert found == sorted([nfc(name), nfc("Verzeichnis-ä"), nfc("Verzeichnis-ä/ü.txt")])
    assert fs.cat_file(nfc(name)) == b"stored nfd"
    assert fs.cat_file(name) == b"stored nfd"
    assert fs.cat_file(nfc("Verzeichnis-ä/ü.txt")) == b"inside"
    fs.mv(nfc(name), "renamed.txt")
    fs.rm(nfc("Verzeichnis-ä"), recursive=True)
    assert fs.find("", withdirs=True) == ["renamed.txt"]
    assert_no_orphans(tmp_path / "v", pycryptomator.Vault(str(tmp_path / "v"), PASSPHRASE))


def test_non_ascii_lookup_in_a_damaged_folder_is_not_found(tmp_path: Path) -> None:
    """The fallback lookup for unnormalised names must not turn 'no' into an error."""
    fs = new_vaultui_vault(tmp_path / "v")
    fs.makedirs("dir")
    fs.pipe_file("dir/x", b"1")
    shutil.rmtree(fs.ciphertext_paths("dir")[1])
    fresh = VaultFileSystem(str(tmp_path / "v"), passphrase=PASSPHRASE)
    assert not fresh.exists("dir/ü.txt")
    assert not fresh.exists("dir/u.txt")


def test_nfc_and_nfd_twins_both_stay_visible(tmp_path: Path) -> None:
    vault = new_pycryptomator_vault(tmp_path / "v")
    vault.encryptFile(io.BytesIO(b"nfc"), "/" + nfc("é.txt"))
    vault.encryptFile(io.BytesIO(b"nfd"), "/" + nfd("é.txt"))
    fs = VaultFileSystem(str(tmp_path / "v"), passphrase=PASSPHRASE)
    assert sorted(fs.ls("", detail=False)) == sorted([nfc("é.txt"), nfd("é.txt")])
    assert fs.cat_file(nfc("é.txt")) == b"nfc"


# -- changes made by vaultui stay readable by pycryptomator ----------------------------

def _moves() -> list[tuple[str, str]]:
    long_file = "names/" + "b" * (LIMIT + 1)
    return [
        ("one.bin", f"{LONG_DIR}/one.bin"),                    # file into a long-named dir
        (long_file, f"deep/er/{'b' * (LIMIT + 1)}"),            # shortened file elsewhere
        ("names/" + "a" * LIMIT, "names/" + "A" * (LIMIT + 5)),  # short name -> shortened
        ("names/" + "€" * 48 + "xyz", "names/short.txt"),       # shortened -> short name
        ("deep/er", "moved-er"),                                # directory with subtree
        (f"{LONG_DIR}/sub", "empty-dir/sub"),                   # dir out of a long-named dir
        ("links/relative", "relative-link"),                    # symlink
        ("links/" + "l" * (LIMIT + 1), "links/" + "L" * (LIMIT + 2)),  # long symlink
        ("empty-dir", f"{LONG_DIR}/empty-dir"),                 # dir into a long-named dir
    ]


def apply_moves(expected: dict[str, tuple[Any, ...]], src: str, dst: str) -> None:
    for path in sorted(expected):
        if path == src or path.startswith(src + "/"):
            expected[dst + path[len(src):]] = expected.pop(path)


def remove(expected: dict[str, tuple[Any, ...]], target: str) -> None:
    for path in [p for p in expected if p == target or p.startswith(target + "/")]:
        del expected[path]


@pytest.mark.parametrize("creator", ["vaultui", "pycryptomator"])
def test_moves_and_deletes_stay_readable(tmp_path: Path, creator: str) -> None:
    root = tmp_path / "vault"
    if creator == "vaultui":
        write_with_vaultui(new_vaultui_vault(root), SPEC)
    else:
        write_with_pycryptomator(new_pycryptomator_vault(root), SPEC)
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    expected = dict(EXPECTED)
    before = len(content_dirs(root))
    for src, dst in _moves():
        fs.mv(src, dst)
        apply_moves(expected, src, dst)
    assert len(content_dirs(root)) == before  # a move rewrites names, never contents
    assert pycryptomator_snapshot(pycryptomator.Vault(str(root), PASSPHRASE)) == expected
    assert_no_orphans(root, pycryptomator.Vault(str(root), PASSPHRASE))

    removed_dirs = sum(1 for p, e in expected.items()
                       if e[0] == "dir" and (p == "moved-er" or p.startswith("moved-er/")))
    fs.rm("moved-er", recursive=True)
    remove(expected, "moved-er")
    fs.rm(LONG_DIR, recursive=True)
    removed_dirs += 1 + sum(1 for p, e in expected.items()
                            if e[0] == "dir" and p.startswith(LONG_DIR + "/"))
    remove(expected, LONG_DIR)
    fs.rm("links/absolute")
    remove(expected, "links/absolute")
    fs.rm_file("names/short.txt")
    remove(expected, "names/short.txt")
    assert len(content_dirs(root)) == before - removed_dirs
    vault = pycryptomator.Vault(str(root), PASSPHRASE)
    assert pycryptomator_snapshot(vault) == expected
    assert_no_orphans(root, vault)
    assert vaultui_snapshot(VaultFileSystem(str(root), passphrase=PASSPHRASE)) == expected


def test_copies_and_overwrites_stay_readable(vaultui_vault: Path, tmp_path: Path) -> None:
    root = tmp_path / "vault"
    shutil.copytree(vaultui_vault, root)
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    expected = dict(EXPECTED)
    fs.cp_file("deep/er/chunk-32769.bin", f"{LONG_DIR}/{'k' * (LIMIT + 3)}")
    expected[f"{LONG_DIR}/{'k' * (LIMIT + 3)}"] = expected["deep/er/chunk-32769.bin"]
    fs.cp_file("links/relative", "copied-link")
    expected["copied-link"] = expected["links/relative"]
    new = payload(CHUNK * 2 + 1, 99)
    fs.pipe_file("names/" + "b" * (LIMIT + 1), new)
    expected["names/" + "b" * (LIMIT + 1)] = file_entry(new)
    fs.pipe_file("empty.txt", b"no longer empty")
    expected["empty.txt"] = file_entry(b"no longer empty")
    vault = pycryptomator.Vault(str(root), PASSPHRASE)
    assert pycryptomator_snapshot(vault) == expected
    assert_no_orphans(root, vault)


# -- keys: recovery words and passphrase changes ---------------------------------------

def _their_words(vault: Any) -> str:
    codec = wordscodec.Wordscodec(str(WORDS_FILE))
    return " ".join(codec.bytes2words(codec.blob(bytes(vault.pk), bytes(vault.hk))))


def _their_key(words: str) -> tuple[bytes, bytes]:
    codec = wordscodec.Wordscodec(str(WORDS_FILE))
    blob = bytes(codec.words2bytes(words.split()))
    codec.validate(blob)
    return blob[:32], blob[32:64]


def test_word_lists_are_identical() -> None:
    from vaultui.crypto.recovery import word_list
    theirs = [w.strip("\n") for w in WORDS_FILE.read_text(encoding="utf-8").splitlines()]
    assert list(word_list()) == theirs


def test_their_recovery_words_reset_our_vault(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    new_vaultui_vault(root).pipe_file("kept.txt", b"still here")
    vault = pycryptomator.Vault(str(root), PASSPHRASE)
    words = _their_words(vault)
    ours = decode_recovery_key(words)
    assert ours == Masterkey(bytes(vault.pk), bytes(vault.hk))
    assert encode_recovery_key(ours) == words
    location = VaultLocation.from_url(str(root))
    location.reset_passphrase(words, "new", scrypt_cost=FAST_SCRYPT)
    reopened = pycryptomator.Vault(str(root), "new")
    sink = _Sink()
    reopened.decryptFile("/kept.txt", sink)
    assert sink.size == len(b"still here")
    with pytest.raises(BaseException, match="unwrap"):
        pycryptomator.Vault(str(root), PASSPHRASE)
    assert VaultFileSystem(str(root), passphrase="new").cat_file("kept.txt") == b"still here"


def test_our_recovery_words_open_their_vault(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    vault = new_pycryptomator_vault(root)
    vault.encryptFile(io.BytesIO(b"theirs"), "/theirs.txt")
    key = VaultLocation.from_url(str(root)).unlock(PASSPHRASE)[0]
    words = encode_recovery_key(key)
    assert words == _their_words(vault)
    pk, hk = _their_key(words)
    by_words = pycryptomator.Vault(str(root), pk=pk, hk=hk)
    sink = _Sink()
    by_words.decryptFile("/theirs.txt", sink)
    assert sink.digest.hexdigest() == hashlib.sha256(b"theirs").hexdigest()
    # And their words open it in vaultui, then reset its passphrase for both.
    assert decode_recovery_key(_their_words(vault)) == key
    fs = VaultFileSystem(str(root), masterkey=decode_recovery_key(words))
    assert fs.cat_file("theirs.txt") == b"theirs"
    VaultLocation.from_url(str(root)).reset_passphrase(words, "new", scrypt_cost=FAST_SCRYPT)
    assert pycryptomator.Vault(str(root), "new").pk == vault.pk
    assert VaultFileSystem(str(root), passphrase="new").cat_file("theirs.txt") == b"theirs"


def test_restore_config_of_a_pycryptomator_vault(tmp_path: Path) -> None:
    """pycryptomator's init writes the root's dirid.c9r with the header payload in the
    clear, so it never authenticates; the combo must be found from another file."""
    root = tmp_path / "vault"
    vault = new_pycryptomator_vault(root)
    vault.mkdir("/sub")
    vault.encryptFile(io.BytesIO(b"content"), "/sub/f.txt")
    key = Masterkey(bytes(vault.pk), bytes(vault.hk))
    (root / "vault.cryptomator").unlink()
    location = VaultLocation.from_url(str(root))
    location.restore_config(decode_recovery_key(_their_words(vault)))
    assert VaultFileSystem(str(root), masterkey=key).cat_file("sub/f.txt") == b"content"
    assert pycryptomator_snapshot(pycryptomator.Vault(str(root), PASSPHRASE)) == {
        "sub": ("dir",), "sub/f.txt": file_entry(b"content")}


def test_pycryptomator_root_dirid_does_not_decrypt(tmp_path: Path) -> None:
    """The disagreement itself, so that a fixed pycryptomator shows up here."""
    from vaultui.crypto.cryptor import VaultCryptor
    from vaultui.crypto.errors import AuthenticationError
    root = tmp_path / "vault"
    vault = new_pycryptomator_vault(root)
    cryptor = VaultCryptor(Masterkey(bytes(vault.pk), bytes(vault.hk)),
                           VaultLocation.from_url(str(root)).unlock(PASSPHRASE)[1])
    (backup,) = root.glob("d/*/*/dirid.c9r")
    with pytest.raises(AuthenticationError):
        cryptor.decrypt_file(backup.read_bytes())


def test_pycryptomator_does_not_normalise_passphrases(tmp_path: Path) -> None:
    """Cryptomator (format 6+) and vaultui derive the key from the NFC passphrase;
    pycryptomator from the bytes as typed, so NFD input (macOS) fails there."""
    passphrase = nfc("pässwörd")
    new_vaultui_vault(tmp_path / "v", passphrase=nfd(passphrase))
    pycryptomator.Vault(str(tmp_path / "v"), passphrase)
    with pytest.raises(BaseException, match="unwrap"):
        pycryptomator.Vault(str(tmp_path / "v"), nfd(passphrase))
    assert VaultFileSystem(str(tmp_path / "v"), passphrase=nfd(passphrase)).ls("") == []


def test_pycryptomator_refuses_ctrmac_vaults(tmp_path: Path) -> None:
    """It implements SIV_GCM only; vaultui writes both combos."""
    from vaultui.crypto.vaultconfig import CipherCombo
    (tmp_path / "v").mkdir()
    VaultLocation.from_url(str(tmp_path / "v")).create(
        PASSPHRASE, scrypt_cost=FAST_SCRYPT, cipher_combo=CipherCombo.SIV_CTRMAC)
    with pytest.raises(AssertionError):
        pycryptomator.Vault(str(tmp_path / "v"), PASSPHRASE)


def _backups(root: Path) -> list[Path]:
    return sorted(root.glob("masterkey.cryptomator.*.bkup"))


@pytest.mark.parametrize("creator", ["vaultui", "pycryptomator"])
def test_change_passphrase_keeps_files_readable(tmp_path: Path, creator: str) -> None:
    root = tmp_path / "vault"
    if creator == "vaultui":
        new_vaultui_vault(root).pipe_file("f.bin", payload(CHUNK + 1, 7))
    else:
        new_pycryptomator_vault(root).encryptFile(io.BytesIO(payload(CHUNK + 1, 7)), "/f.bin")
    before = {p: p.read_bytes() for p in (root / "d").rglob("*") if p.is_file()}
    VaultLocation.from_url(str(root)).change_passphrase(PASSPHRASE, "changed")
    assert {p: p.read_bytes() for p in (root / "d").rglob("*") if p.is_file()} == before
    vault = pycryptomator.Vault(str(root), "changed")
    assert pycryptomator_snapshot(vault) == {"f.bin": file_entry(payload(CHUNK + 1, 7))}
    with pytest.raises(BaseException, match="unwrap"):
        pycryptomator.Vault(str(root), PASSPHRASE)
    (backup,) = _backups(root)
    assert re.fullmatch(r"masterkey\.cryptomator\.[0-9A-F]{8}\.bkup", backup.name)
    # The backup still opens with the old passphrase, in both implementations.
    assert MasterkeyFile.parse(backup.read_bytes()).unlock(PASSPHRASE).raw == \
        bytes(vault.pk) + bytes(vault.hk)
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(root / "vault.cryptomator", old)
    shutil.copy(backup, old / "masterkey.cryptomator")
    shutil.copytree(root / "d", old / "d")
    assert pycryptomator_snapshot(pycryptomator.Vault(str(old), PASSPHRASE)) == \
        pycryptomator_snapshot(vault)


def test_pycryptomator_password_change_is_read_by_vaultui(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "vault"
    fs = new_vaultui_vault(root)
    fs.pipe_file("f.txt", b"content")
    monkeypatch.setattr(pycryptomator, "ask_new_password", lambda: "theirs-new")
    pycryptomator.Vault(str(root), PASSPHRASE).change_password()
    assert VaultFileSystem(str(root), passphrase="theirs-new").cat_file("f.txt") == b"content"


def test_ciphertext_names_are_identical(vaultui_vault: Path) -> None:
    """Both derive the same node names and content folders for the same key and path."""
    vault = pycryptomator.Vault(str(vaultui_vault), PASSPHRASE)
    fs = VaultFileSystem(str(vaultui_vault), passphrase=PASSPHRASE)
    for path, entry in EXPECTED.items():
        info = vault.getInfo("/" + path)
        ours = fs.ciphertext_paths(path)
        assert os.path.relpath(info.realPathName, vaultui_vault) == \
            os.path.relpath(ours[0], vaultui_vault), path
        if entry[0] == "dir":
            assert os.path.relpath(info.realDir, vaultui_vault) == \
                os.path.relpath(ours[1], vaultui_vault), path


def _iter_files(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def test_ciphertext_sizes_follow_the_format(vaultui_vault: Path) -> None:
    """68-byte header, then 12 + n + 16 per chunk; pycryptomator assumes exactly that."""
    fs = VaultFileSystem(str(vaultui_vault), passphrase=PASSPHRASE)
    for path, data in SPEC.files.items():
        full, rest = divmod(len(data), CHUNK)
        expected = 68 + full * (CHUNK + 28) + (rest + 28 if rest else 0)
        (node,) = fs.ciphertext_paths(path)
        stored = Path(node)
        if stored.is_dir():
            stored = stored / "contents.c9r"
        assert stored.stat().st_size == expected, path
    dir_files = [p for p in _iter_files(vaultui_vault) if p.name == "dir.c9r"]
    assert dir_files
    assert all(p.stat().st_size == 36 for p in dir_files)  # a UUID, in plain ASCII


# -- a shared vault is still a format-8 vault -------------------------------------------

def test_a_vault_shared_with_public_keys_still_opens_with_its_passphrase(tmp_path: Path
                                                                         ) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    from vaultui.secrets.identities import AgeIdentity
    from vaultui.secrets.recipients import Recipient
    from vaultui.tasks.sharing import share_with, shares

    root = tmp_path / "shared"
    write_with_vaultui(new_vaultui_vault(root), SPEC)
    location = VaultLocation.from_url(str(root))
    key, _ = location.unlock(PASSPHRASE)
    ssh = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(
        ).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for label, public in (("age", AgeIdentity.generate()[0].recipient), ("ssh", ssh),
                          ("rsa", pem)):
        share_with(location, key, Recipient.parse(public), label)
    assert len(shares(location)) == 3
    vault = pycryptomator.Vault(str(root), PASSPHRASE)
    assert pycryptomator_snapshot(vault) == SPEC.expected()
    assert_no_orphans(root, vault)
