"""A short-lived cache of folder listings, so that stat and readdir cost no storage request.

`ls -l` of a folder asks for the attributes of every entry one by one; each would be a
storage request (a HEAD on S3). One listing of the folder answers them all. Entries live
`ttl` seconds, so changes made by other writers of the vault show up soon after; the
mount's own changes update the cache at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
import unicodedata
from datetime import datetime
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import parent_path, split_path

Info = dict[str, Any]


class Listings:
    """Cached `{name: info}` of folders, by folder path ("" is the root)."""

    def __init__(self, vfs: VaultFileSystem, ttl: float = 2.0) -> None:
        self._vfs = vfs
        self._ttl = ttl
        self._lock = threading.Lock()
        self._folders: dict[str, tuple[float, dict[str, Info]]] = {}

    def folder(self, path: str) -> dict[str, Info]:
        """The entries of a folder; raises FileNotFoundError/NotADirectoryError."""
        now = time.monotonic()
        with self._lock:
            cached = self._folders.get(path)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
        entries: dict[str, Info] = {}
        infos = self._vfs.ls(path, detail=True)
        if path and len(infos) == 1 and infos[0]["name"] == path \
                and infos[0]["type"] != "directory":
            raise NotADirectoryError(path)
        for info in infos:
            entries[split_path(info["name"])[-1]] = info
        with self._lock:
            self._folders[path] = (now, entries)
        return entries

    def info(self, path: str) -> Info:
        """The info of an entry; raises FileNotFoundError."""
        if not path:
            return {"name": "", "type": "directory", "size": 0}
        parent, name = parent_path(path), split_path(path)[-1]
        found = self.folder(parent).get(name)
        if found is None and not name.isascii():
            # The vault matches names in either Unicode form; the listing has one of them.
            form = unicodedata.normalize("NFC", name)
            for other in (form, unicodedata.normalize("NFD", name)):
                if other != name:
                    found = self.folder(parent).get(other)
                    if found is not None:
                        break
        if found is None:
            raise FileNotFoundError(path)
        return found

    def put(self, path: str, info: Info) -> None:
        """Record an entry the mount just wrote."""
        with self._lock:
            cached = self._folders.get(parent_path(path))
            if cached is not None:
                cached[1][split_path(path)[-1]] = info

    def drop(self, path: str) -> None:
        """Forget an entry, and the listings of a folder and everything below it."""
        with self._lock:
            cached = self._folders.get(parent_path(path))
            if cached is not None:
                cached[1].pop(split_path(path)[-1], None)
            prefix = path + "/"
            for key in [k for k in self._folders if k == path or k.startswith(prefix)]:
                del self._folders[key]

    def forget(self, path: str) -> None:
        """Forget a folder's listing, so that the next look lists it again."""
        with self._lock:
            self._folders.pop(path, None)


def timestamp_of(info: Info) -> float:
    """An entry's modification time in seconds (storages name and type it differently)."""
    for key in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return datetime.fromisoformat(value).timestamp()
    return time.time()
