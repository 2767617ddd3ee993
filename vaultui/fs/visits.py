"""Folders reached in one walk, by directory id: a folder reached twice is an alias, walked once.

A vault's folders form a tree only if every directory id is named by one node. Two
nodes naming one id (an interrupted move, a crafted vault) make it a graph: walking it
by names visits the same folder once per path to it, 2^n times for n such levels. Every
recursive walk over a vault (find, walk, get, tree, verify, rm) keeps one of these.
"""

from __future__ import annotations

import logging
from typing import Any

from vaultui.fs.nodes import PathMapper

log = logging.getLogger(__name__)


class FolderVisits:
    """The directory ids one walk has reached, with the path each was first reached by."""

    def __init__(self, mapper: PathMapper, top: str) -> None:
        self._mapper = mapper
        self._first: dict[str, str] = {mapper.dir_id(top): top}

    def alias_of(self, path: str, info: dict[str, Any]) -> str | None:
        """None the first time a folder is reached (walk into it); after that the path it
        was first reached by (report `path` as its alias, do not walk it again).

        `info` is the folder's entry in its parent's listing. Costs nothing more than
        the walk itself: the id read here is the one listing the folder would read.
        """
        dir_id = self._mapper.cached_dir_id(path)
        if dir_id is None:
            dir_id = self._mapper.read_dir_file(info["ciphertext_path"], path)
        first = self._first.setdefault(dir_id, path)
        if first == path:
            self._mapper.remember_dir_id(path, dir_id)
            return None
        log.warning("folder %r is another name for folder %r (one directory id): "
                    "not walked again", path, first)
        return first
