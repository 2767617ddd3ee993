"""Planning bulk copies (cp, get) the way fsspec does, for paths without a root marker."""

from __future__ import annotations

from glob import has_magic
from typing import Any

from fsspec.implementations.local import trailing_sep
from fsspec.spec import AbstractFileSystem
from fsspec.utils import other_paths


def expand_sources(fs: AbstractFileSystem, path: str | list[str], recursive: bool,
                   maxdepth: int | None, **kwargs: Any) -> list[str]:
    """The items a copy of `path` covers; a non-recursive copy of a string skips folders."""
    sources: list[str] = fs.expand_path(path, recursive=recursive, maxdepth=maxdepth, **kwargs)
    if isinstance(path, str) and (not recursive or maxdepth is not None):
        sources = [p for p in sources if not (trailing_sep(p) or fs.isdir(p))]
    return sources


def plan_targets(path: str | list[str], sources: list[str], dest: str,
                 dest_is_dir: bool) -> list[str]:
    """Where each source goes, with fsspec's rules for trailing slashes and existing folders.

    fsspec finds the folder to copy relative to by cutting the last component off the
    sources' common prefix, which for a top-level vault item ("src", no root marker)
    leaves "src" itself: `cp("src", "existing", recursive=True)` would then land in
    "existing/" instead of "existing/src/". Planning on rooted paths ("/src") avoids it.
    """
    source_is_str = isinstance(path, str)
    exists = isinstance(path, str) and (
        (has_magic(path) and len(sources) == 1)
        or (not has_magic(path) and dest_is_dir and not trailing_sep(path))
    )
    rooted = ["/" + p.lstrip("/") for p in sources]
    targets: list[str] = other_paths(rooted, dest, exists=exists, flatten=not source_is_str)
    return targets
