"""Sync-conflict copies (`X (1).c9r`): shown under a readable name."""

from __future__ import annotations

import pytest

from vaultui.fs.filesystem import VaultFileSystem


def _conflict_path(node_path: str, suffix: str) -> str:
    """Where a sync client puts its copy of `node_path`: the suffix before .c9r/.c9s."""
    return node_path[:-4] + suffix + node_path[-4:]


@pytest.mark.parametrize("name", ["r.txt", "re.txt", "rep.txt"])  # all three paddings
@pytest.mark.parametrize("suffix", [" (1)", " (Created by Alice)", "_conflict-2024"])
def test_conflict_copy_is_listed_under_a_conflict_name(memvault: VaultFileSystem, name: str,
                                                       suffix: str) -> None:
    memvault.pipe_file(name, b"mine")
    node = memvault.ciphertext_paths(name)[0]
    memvault.storage.cp_file(node, _conflict_path(node, suffix))
    infos = memvault.ls("")
    stem, ext = name.rsplit(".", 1)
    assert sorted(i["name"] for i in infos) == sorted([name, f"{stem}{suffix}.{ext}"])
    assert [i["conflict_of"] for i in infos if "conflict_of" in i] == [name]
