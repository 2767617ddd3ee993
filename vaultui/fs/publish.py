"""Putting nodes on storage so that each appears whole or not at all, and undoing failures."""

from __future__ import annotations

import contextlib

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import (
    DIR_FILE_NAME,
    INFLATED_NAME_FILE_NAME,
    MAX_DIR_FILE_SIZE,
    SYMLINK_FILE_NAME,
)
from vaultui.fs.exclusive import create_folder
from vaultui.fs.nodes import Node, NodeKind, max_symlink_file_size
from vaultui.fs.storage import commits_on_close, join, read_small, temp_name, write_atomic


def remove_quietly(storage: AbstractFileSystem, *paths: str) -> None:
    """Best-effort cleanup after a failure: the original error is what matters."""
    for path in paths:
        with contextlib.suppress(Exception):
            storage.rm(path, recursive=True)


def write_name_file(storage: AbstractFileSystem, node: Node) -> None:
    if node.shortened:
        write_atomic(storage, node.name_file_path, node.full_name.encode("utf-8"))


def create_folder_node(storage: AbstractFileSystem, node: Node, member: str,
                       data: bytes) -> bool:
    """Create a directory or symlink node (a folder holding `member`) unless one exists;
    True if this call created it, False if another writer's node has the name.

    Never replaces a node another writer made (see exclusive.py). On failure nothing
    of ours is left that could be mistaken for a damaged directory.
    """
    members = {member: data}
    if node.shortened:
        members = {INFLATED_NAME_FILE_NAME: node.full_name.encode("utf-8"), member: data}
    try:
        return create_folder(storage, node.node_path, members, commit=member)
    except BaseException:
        # Only a folder without its data member can be ours alone (an object store's
        # name.c9s written before the failure): one with it belongs to a writer that won.
        with contextlib.suppress(Exception):
            if not storage.exists(join(node.node_path, member)):
                storage.rm(node.node_path, recursive=True)
        raise


def prepare_file_node(storage: AbstractFileSystem, node: Node) -> None:
    """What must exist before a file's contents are published: a shortened file's
    folder and its name.c9s. Done last, just before publishing, so that an abandoned
    write leaves nothing."""
    if node.shortened:
        storage.makedirs(node.node_path, exist_ok=True)
        write_name_file(storage, node)


def abandon_file_node(storage: AbstractFileSystem, node: Node, existed: bool) -> None:
    """After a failed write or copy: drop the shortened file's folder if this write made it."""
    if node.shortened and not existed:
        with contextlib.suppress(Exception):
            if not storage.exists(node.contents_path):
                storage.rm(node.node_path, recursive=True)


def copy_file_node(storage: AbstractFileSystem, source: str, node: Node,
                   existed: bool) -> None:
    """Copy ciphertext to a file node: server-side, and atomically under the final name.

    Object stores publish a copied object whole; elsewhere the copy goes to a hidden
    sibling first and is renamed, so an interrupted copy is never taken for the file.
    """
    direct = commits_on_close(storage)
    tmp = node.contents_path if direct else temp_name(node.node_path)
    try:
        if direct:
            prepare_file_node(storage, node)
        storage.cp_file(source, tmp)
        if not direct:
            prepare_file_node(storage, node)
            storage.mv(tmp, node.contents_path)
    except BaseException:
        if not direct:
            remove_quietly(storage, tmp)
        abandon_file_node(storage, node, existed)
        raise


def move_node(storage: AbstractFileSystem, kind: NodeKind, old: Node, new: Node,
              replacing: bool = False) -> None:
    """Give a node a new name: only names change, whatever the size of what it holds.

    A file's contents move with the storage's move (which replaces a file at `new`
    in one step); a directory or symlink node is rewritten under the new name (its
    dir.c9r or symlink.c9r, a few bytes) and the old node removed.
    """
    if kind is NodeKind.FILE:
        try:
            prepare_file_node(storage, new)
            storage.mv(old.contents_path, new.contents_path)
        except BaseException:
            abandon_file_node(storage, new, replacing)
            raise
        if old.shortened:
            with contextlib.suppress(FileNotFoundError):
                storage.rm(old.node_path, recursive=True)
        return
    if kind is NodeKind.DIRECTORY:
        member, cap = DIR_FILE_NAME, MAX_DIR_FILE_SIZE
    else:
        member, cap = SYMLINK_FILE_NAME, max(max_symlink_file_size(c) for c in CipherCombo)
    data = read_small(storage, join(old.node_path, member), cap, f"{old.path!r}")
    if not create_folder_node(storage, new, member, data):
        raise FileExistsError(new.path)
    storage.rm(old.node_path, recursive=True)
