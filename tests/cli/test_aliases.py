"""vaultui-cli on a vault whose folders are not a tree: each folder shown and copied once."""

from __future__ import annotations

import os
from pathlib import Path

from clihelpers import FAST_INIT, PASSPHRASE, Run, VaultTarget

from vaultui.crypto.constants import DIR_FILE_NAME, ROOT_DIR_ID
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.publish import create_folder_node

LEVELS = 16  # 65,536 paths to the one file, walked by names


def make_diamond(url: str) -> None:
    """Two names at every level for one folder, as a crafted vault can hold."""
    vfs = VaultFileSystem(url, passphrase=PASSPHRASE)
    path, parent_id = "", ROOT_DIR_ID
    for level in range(LEVELS):
        child = f"{path}/l{level}" if path else f"l{level}"
        vfs.mkdir(child)
        dir_id = vfs.mapper.dir_id(child)
        twin = vfs.mapper.node_for(parent_id, f"l{level}-twin", f"{child}-twin")
        assert create_folder_node(vfs.storage, twin, DIR_FILE_NAME, dir_id.encode())
        path, parent_id = child, dir_id
    vfs.pipe_file(f"{path}/leaf.txt", b"leaf")


def test_tree_and_get_show_each_folder_once(local_target: VaultTarget, cli: Run,
                                            tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    make_diamond(local_target.url)

    r = cli(*local_target.args("tree"), timeout=60)
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert len(lines) < 4 * LEVELS
    assert sum("(another name for" in line for line in lines) == LEVELS
    assert sum(line.endswith("leaf.txt") for line in lines) == 1

    out = tmp_path / "out"
    r = cli(*local_target.args("get", "/", str(out)), timeout=60)
    assert r.code == 6, r  # reported as damage, everything else copied
    assert [f for _, _, files in os.walk(out) for f in files] == ["leaf.txt"]
    assert r.err.count("the same folder as") == LEVELS
