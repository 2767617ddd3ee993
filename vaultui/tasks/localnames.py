"""Why a name from a vault cannot be a local file name: one answer for get and verify."""

from __future__ import annotations

#: The longest file name (UTF-8 bytes) most local filesystems take: ext4, XFS, APFS, NTFS
#: (255 UTF-16 units, at least this many bytes' worth for ASCII). Callers that know the
#: destination ask it (os.pathconf(folder, "PC_NAME_MAX")).
DEFAULT_NAME_MAX = 255


def vault_name_problem(name: str) -> str | None:
    """Why `name` cannot be an entry's name in any vault, or None.

    No correct writer stores these: an empty name, `.` or `..`, a `/` or NUL in it.
    Listed, they point outside their folder or at another entry.
    """
    if not name:
        return "an empty name"
    if name in (".", ".."):
        return f"{name!r} cannot be a file name"
    if "/" in name:
        return "the name contains '/'"
    if "\x00" in name:
        return "the name contains a NUL character"
    return None


def local_name_problem(name: str, name_max: int = DEFAULT_NAME_MAX) -> str | None:
    """Why `name` cannot be a local file name, or None.

    Beyond vault_name_problem: a backslash (a path separator on Windows, and in the
    paths vaultui is given) and a name longer than `name_max` UTF-8 bytes.
    """
    problem = vault_name_problem(name)
    if problem is not None:
        return f"cannot be a local file name: {problem}"
    if "\\" in name:
        return "cannot be a local file name: the name contains '\\'"
    size = len(name.encode("utf-8", errors="surrogatepass"))
    if size > name_max:
        return (f"cannot be a local file name: the name is {size} bytes long, more than "
                f"the {name_max} a local file name may have")
    return None
