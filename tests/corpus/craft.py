"""A generator of crafted hostile vaults: each a real vault, then damaged on purpose.

Every case is one vault on local disk that vaultui must handle in bounded time and
memory with a clear error (or a clean success), never a traceback. Huge files are
sparse, so they cost no disk; a program that reads one whole costs its size in memory.

Run as a script to write the corpus somewhere and look at it:
``python tests/corpus/craft.py /tmp/corpus``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vaultui.crypto.constants import MASTERKEY_FILENAME, VAULT_CONFIG_FILENAME
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.storage import join
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "hostile corpus passphrase"
MB = 1024 * 1024
#: Sizes of the huge files: a reader that holds one whole is caught by the RSS cap.
HUGE_NODE_FILE = 300 * MB
HUGE_VAULT_FILE = 2048 * MB
#: Nesting of the deep case: beyond Python's recursion limit, and its cleartext path
#: beyond the local PATH_MAX.
DEPTH = 1100


@dataclass(frozen=True)
class Case:
    """One crafted vault and how it was made."""

    name: str
    why: str
    build: Callable[[VaultFileSystem], None]


def _sparse(path: str, size: int) -> None:
    with open(path, "r+b" if os.path.exists(path) else "wb") as f:
        f.truncate(size)


def _node(vfs: VaultFileSystem, path: str) -> str:
    return vfs.mapper.node(path).node_path


def _huge_dir_file(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("docs/a.txt", b"a")
    _sparse(vfs.mapper.node("docs").dir_file_path, HUGE_NODE_FILE)


def _huge_name_file(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("n" * 200, b"a file with a shortened name")
    _sparse(vfs.mapper.node("n" * 200).name_file_path, HUGE_NODE_FILE)


def _huge_symlink(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("a.txt", b"a")
    vfs.symlink("a.txt", "link")
    _sparse(vfs.mapper.node("link").symlink_path, HUGE_NODE_FILE)


def _huge_config(vfs: VaultFileSystem) -> None:
    _sparse(vfs.location.path(VAULT_CONFIG_FILENAME), HUGE_VAULT_FILE)


def _huge_masterkey(vfs: VaultFileSystem) -> None:
    _sparse(vfs.location.path(MASTERKEY_FILENAME), HUGE_VAULT_FILE)


def _masterkey_json(vfs: VaultFileSystem, **changes: object) -> None:
    path = vfs.location.path(MASTERKEY_FILENAME)
    with open(path, "rb") as f:
        data = json.load(f)
    data.update(changes)
    with open(path, "w") as f:
        json.dump(data, f)


def _deep_json(vfs: VaultFileSystem) -> None:
    with open(vfs.location.path(MASTERKEY_FILENAME), "w") as f:
        f.write("[" * 30_000 + "]" * 30_000)  # under the 64 KiB cap: parsed, and refused


def _deep_json_config(vfs: VaultFileSystem) -> None:
    def part(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    header = part('{"kid":"masterkeyfile:masterkey.cryptomator","typ":"JWT","alg":"HS256"}')
    with open(vfs.location.path(VAULT_CONFIG_FILENAME), "w") as f:
        f.write(f"{header}.{part('[' * 20_000 + ']' * 20_000)}.c2ln")


def _deep_nesting(vfs: VaultFileSystem) -> None:
    vfs.makedirs("/".join(["d"] * DEPTH))


def _junk_names(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("fine.txt", b"fine")
    vfs.makedirs("docs")
    content = vfs.mapper.content_dir(vfs.mapper.dir_id(""))
    for name, data in [("!!!not base64!!!.c9r", b"x" * 100),
                       ("AAAAAAAAAAAAAAAAAAAAAAAA.c9r", b"y" * 100),
                       ("\x1b[2J\n.c9r", b"z"), ("x" * 250 + ".c9r", b"w")]:
        with open(join(content, name), "wb") as f:
            f.write(data)
    bad = join(content, "BBBBBBBBBBBBBBBBBBBBBBBBBBBB.c9s")
    os.makedirs(bad)
    with open(join(bad, "name.c9s"), "wb") as f:
        f.write(b"\xff\xfe not utf-8")
    # A folder whose dir.c9r is not text, and one whose dir.c9r names no folder.
    vfs.makedirs("binary")
    with open(vfs.mapper.node("binary").dir_file_path, "wb") as f:
        f.write(b"\xff" * 36)
    vfs.makedirs("nowhere")
    with open(vfs.mapper.node("nowhere").dir_file_path, "w") as f:
        f.write("00000000-0000-0000-0000-000000000000")


def _cycle(vfs: VaultFileSystem) -> None:
    vfs.makedirs("a/b")
    with open(vfs.mapper.node("a/b").dir_file_path, "w") as f:
        f.write(vfs.mapper.dir_id("a"))  # a/b is a again: a/b/b/b/...


def _alias_graph(vfs: VaultFileSystem) -> None:
    """Two names per level pointing at one dir id: 2^levels paths from a few objects."""
    parent = ""
    for level in range(12):
        vfs.makedirs(join(parent, "x"))
        vfs.makedirs(join(parent, "y"))
        with open(vfs.mapper.node(join(parent, "y")).dir_file_path, "w") as f:
            f.write(vfs.mapper.dir_id(join(parent, "x")))
        vfs.pipe_file(join(parent, f"f{level}.txt"), b"f")
        parent = join(parent, "x")


def _truncated_files(vfs: VaultFileSystem) -> None:
    vfs.pipe_file("short.bin", os.urandom(100_000))
    path = _node(vfs, "short.bin")
    with open(path, "r+b") as f:
        f.truncate(70_000)
    vfs.pipe_file("header.bin", b"h")
    with open(_node(vfs, "header.bin"), "r+b") as f:
        f.truncate(10)


CASES = [
    Case("huge-dir-file", "a 300 MB dir.c9r", _huge_dir_file),
    Case("huge-name-file", "a 300 MB name.c9s", _huge_name_file),
    Case("huge-symlink", "a 300 MB symlink.c9r", _huge_symlink),
    Case("huge-config", "a 2 GB vault.cryptomator", _huge_config),
    Case("huge-masterkey", "a 2 GB masterkey.cryptomator", _huge_masterkey),
    Case("scrypt-cost", "scrypt N = 2^30 (128 GiB)",
         lambda v: _masterkey_json(v, scryptCostParam=1 << 30)),
    Case("scrypt-block", "scrypt r = 2^24",
         lambda v: _masterkey_json(v, scryptBlockSize=1 << 24)),
    Case("scrypt-junk", "scrypt parameters that are no numbers",
         lambda v: _masterkey_json(v, scryptCostParam="1e400", scryptBlockSize=[8])),
    Case("deep-json-masterkey", "a masterkey file nested 30,000 deep", _deep_json),
    Case("deep-json-config", "a config payload nested 20,000 deep", _deep_json_config),
    Case("deep-nesting", f"{DEPTH} nested folders", _deep_nesting),
    Case("junk-names", "names that are not base64, control characters, bad name.c9s, "
         "dir.c9r that is binary or names no folder", _junk_names),
    Case("cycle", "a folder whose dir.c9r names its parent", _cycle),
    Case("alias-graph", "two names per level for one dir id, 12 levels", _alias_graph),
    Case("truncated", "files cut mid-chunk and mid-header", _truncated_files),
]


def build(case: Case, where: Path) -> str:
    """Make `case`'s vault under `where`; its path."""
    root = str(where / case.name)
    os.makedirs(root)
    key = VaultLocation.from_url(root).create(PASSPHRASE, scrypt_cost=1024)
    vfs = VaultFileSystem(fs=VaultLocation.from_url(root).fs, root=root, masterkey=key)
    case.build(vfs)
    return root


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for case in CASES:
        print(build(case, target), "-", case.why)
