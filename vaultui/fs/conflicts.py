"""Sync-conflict copies of encrypted names: recognising them and naming their resolution.

A sync client that finds two versions of `X.c9r` keeps both and renames one, for
example to `X (1).c9r` or `X (Created by Alice).c9r`. The renamed copy no longer
decrypts; its longest prefix that does is the original name, the rest is the suffix.
"""

from __future__ import annotations

from collections.abc import Iterator

from vaultui.crypto.errors import VaultError
from vaultui.crypto.names import NameCipher

#: The shortest base64url of an AES-SIV name (a 16-byte tag plus one byte: 24 chars).
_MIN_ENCRYPTED_LENGTH = 24
#: How many numbered alternatives Cryptomator tries before giving up.
MAX_NUMBERED_ALTERNATIVES = 9


def split_conflict(stem: str, dir_id: str, names: NameCipher) -> tuple[str, str] | None:
    """(original cleartext name, suffix) of a conflict copy's name without `.c9r`, or None.

    Base64url with padding comes in blocks of four characters, so only prefixes of a
    length divisible by four can be the encrypted name; the longest that decrypts wins.
    (decrypt_name takes only canonical base64url, so "X= (1)" is never read as "X=".)
    """
    for length in range(len(stem) - len(stem) % 4, _MIN_ENCRYPTED_LENGTH - 1, -4):
        candidate, suffix = stem[:length], stem[length:]
        if not suffix:
            continue
        try:
            return names.decrypt_name(candidate, dir_id), suffix
        except VaultError:
            continue
    return None


def split_extension(name: str) -> tuple[str, str]:
    """'report.txt' -> ('report', '.txt'); a leading dot is not an extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, dot + ext


def conflict_name(original: str, suffix: str) -> str:
    """'report.txt' + ' (1)' -> 'report (1).txt': the suffix goes before the extension."""
    stem, ext = split_extension(original)
    return f"{stem}{suffix}{ext}"


def _truncate_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")[:max(max_bytes, 0)]
    return data.decode("utf-8", errors="ignore")


def resolution_names(original: str, suffix: str, max_bytes: int) -> Iterator[str]:
    """Names to give a conflict copy, in order: `basename + suffix + ext`, then
    `basename (1..9) + ext`.

    As Cryptomator does, the suffix may take at most half of the room left by the
    extension and the base name is cut so the result stays within `max_bytes` (the
    longest name stored without shortening).
    """
    stem, ext = split_extension(original)
    room = max_bytes - len(ext.encode("utf-8"))
    suffix = _truncate_utf8(suffix, room // 2)
    yield _truncate_utf8(stem, room - len(suffix.encode("utf-8"))) + suffix + ext
    for i in range(1, MAX_NUMBERED_ALTERNATIVES + 1):
        numbered = f" ({i})"
        yield _truncate_utf8(stem, room - len(numbered)) + numbered + ext
