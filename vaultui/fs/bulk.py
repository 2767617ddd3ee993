"""Planning bulk operations (cp, get, mv, rm of several paths) the way fsspec does, for paths
without a root marker and names that may contain glob characters."""

from __future__ import annotations

from glob import has_magic

from fsspec.implementations.local import trailing_sep
from fsspec.spec import AbstractFileSystem
from fsspec.utils import other_paths


def is_pattern(fs: AbstractFileSystem, path: str) -> bool:
    """Whether `path` is a glob pattern rather than a name.

    Vault names may contain `*`, `?` and `[`; fsspec would take `report[1].txt` as a
    pattern matching `report1.txt` (and remove or copy the wrong file). A path that
    exists as it is written is a name.
    """
    return has_magic(path) and not fs.exists(path)


def expand(fs: AbstractFileSystem, path: str | list[str], recursive: bool = False,
           maxdepth: int | None = None) -> list[str]:
    """The paths named by `path` (globs expanded, names taken literally), and with
    `recursive` everything below them; FileNotFoundError if a pattern matches nothing."""
    found: set[str] = set()
    for p in path if isinstance(path, list) else [path]:
        if is_pattern(fs, p):
            found.update(fs.expand_path(p, recursive=recursive, maxdepth=maxdepth))
        else:
            found.update(fs.expand_path([p], recursive=recursive, maxdepth=maxdepth,
                                        assume_literal=True))
    return sorted(found)


def expand_sources(fs: AbstractFileSystem, path: str | list[str], recursive: bool,
                   maxdepth: int | None) -> list[str]:
    """The items a copy of `path` covers; a non-recursive copy of a string skips folders."""
    sources = expand(fs, path, recursive, maxdepth)
    if isinstance(path, str) and (not recursive or maxdepth is not None):
        sources = [p for p in sources if not (trailing_sep(p) or fs.isdir(p))]
    return sources


def plan_targets(path: str | list[str], sources: list[str], dest: str, dest_is_dir: bool,
                 pattern: bool) -> list[str]:
    """Where each source goes, with fsspec's rules for trailing slashes and existing folders.

    fsspec finds the folder to copy relative to by cutting the last component off the
    sources' common prefix, which for a top-level vault item ("src", no root marker)
    leaves "src" itself: `cp("src", "existing", recursive=True)` would then land in
    "existing/" instead of "existing/src/". Planning on rooted paths ("/src") avoids it.
    `pattern` says whether a string `path` was a glob (see is_pattern).
    """
    source_is_str = isinstance(path, str)
    exists = isinstance(path, str) and (
        (pattern and len(sources) == 1)
        or (not pattern and dest_is_dir and not trailing_sep(path))
    )
    rooted = ["/" + p.lstrip("/") for p in sources]
    targets: list[str] = other_paths(rooted, dest, exists=exists, flatten=not source_is_str)
    return targets
