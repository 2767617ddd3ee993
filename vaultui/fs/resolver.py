"""Resolving sync-conflict copies found while listing, the way Cryptomator does.

For a copy `X (suffix).c9r` of the node `X.c9r` (whose name is `name.ext`):
1. no `X.c9r` (the original was renamed or deleted): the copy takes the original name;
2. both are directories with the same dir.c9r, or symlinks to the same target: the
   copy is a duplicate and is deleted;
3. otherwise the copy is renamed to the encrypted name of `name + suffix + .ext`, or
   failing that `name (1..9).ext`, and shows up under that name from then on.
"""

from __future__ import annotations

import logging

from vaultui.crypto.errors import VaultError
from vaultui.crypto.names import max_cleartext_name_bytes
from vaultui.fs.conflicts import resolution_names
from vaultui.fs.nodes import Entry, Node, NodeKind, PathMapper
from vaultui.fs.publish import move_node

log = logging.getLogger(__name__)


def _child(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _data_path(node: Node, kind: NodeKind) -> str:
    return {NodeKind.FILE: node.contents_path, NodeKind.DIRECTORY: node.dir_file_path,
            NodeKind.SYMLINK: node.symlink_path}[kind]


class ConflictResolver:
    """Called by PathMapper for each conflict copy a listing finds; returns the entry to
    show instead (renamed), None when the copy was a duplicate, or the entry itself
    when it could not be resolved (it then stays visible under its conflict name)."""

    def __init__(self, mapper: PathMapper) -> None:
        self.mapper = mapper
        self.max_name_bytes = max_cleartext_name_bytes(mapper.cryptor.shortening_threshold)

    def __repr__(self) -> str:
        return f"ConflictResolver({self.mapper!r})"

    def __call__(self, path: str, dir_id: str, entry: Entry) -> Entry | None:
        assert entry.conflict_of is not None and entry.conflict_suffix is not None
        copy = Node(_child(path, entry.name), dir_id, entry.node_path, entry.full_name)
        with self.mapper.write_lock:
            try:
                return self._resolve(path, dir_id, entry, copy)
            except (OSError, VaultError) as exc:
                # Storage paths only above DEBUG: messages of ours may hold cleartext names.
                log.warning("could not resolve the sync conflict %s (%s)", entry.node_path,
                            type(exc).__name__)
                log.debug("could not resolve the sync conflict %s: %s", entry.node_path, exc)
                return entry

    def _resolve(self, path: str, dir_id: str, entry: Entry, copy: Node) -> Entry | None:
        mapper = self.mapper
        original = entry.conflict_of
        assert original is not None and entry.conflict_suffix is not None
        canonical = mapper.node_for(dir_id, original, _child(path, original))
        canonical_kind = mapper.kind(canonical)
        if canonical_kind is None:
            return self._rename(entry, copy, canonical, original)
        if canonical_kind is entry.kind and self._same_target(entry.kind, copy, canonical):
            mapper.fs.rm(copy.node_path, recursive=True)
            log.info("removed %s: a sync-conflict duplicate of %s", copy.node_path,
                     canonical.node_path)
            log.debug("removed the sync-conflict duplicate %r of %r", copy.path, canonical.path)
            return None
        for name in resolution_names(original, entry.conflict_suffix, self.max_name_bytes):
            target = mapper.node_for(dir_id, name, _child(path, name))
            if mapper.kind(target) is None:
                return self._rename(entry, copy, target, name)
        log.warning("could not resolve the sync conflict %s: every alternative name is taken",
                    copy.node_path)
        return entry

    def _same_target(self, kind: NodeKind, copy: Node, canonical: Node) -> bool:
        mapper = self.mapper
        if kind is NodeKind.DIRECTORY:
            return mapper.read_dir_file(copy.dir_file_path, copy.path) == mapper.read_dir_file(
                canonical.dir_file_path, canonical.path)
        if kind is NodeKind.SYMLINK:
            # Compared decrypted: the same target encrypted twice differs in ciphertext.
            decrypt = mapper.cryptor.decrypt_file
            return decrypt(mapper.read_symlink_file(copy)) == decrypt(
                mapper.read_symlink_file(canonical))
        return False  # two versions of a file: never assume one can go

    def _rename(self, entry: Entry, copy: Node, target: Node, name: str) -> Entry:
        move_node(self.mapper.fs, entry.kind, copy, target)
        # Which cleartext name a storage object has is a secret: it goes to DEBUG only.
        log.info("resolved the sync conflict %s as %s", copy.node_path, target.node_path)
        log.debug("resolved the sync conflict %r as %r", copy.path, target.path)
        return Entry(name=name, kind=entry.kind, node_path=target.node_path,
                     ciphertext_path=_data_path(target, entry.kind), size=entry.size,
                     info=entry.info, full_name=target.full_name)
