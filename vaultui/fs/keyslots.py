"""A vault's key slot files on storage: list, add (create-if-absent), remove."""

from __future__ import annotations

import contextlib
import os

from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

from vaultui.crypto.errors import FormatError
from vaultui.crypto.keyslot import MAX_SLOT_FILE_SIZE, SLOT_DIR_NAME, SLOT_SUFFIX, KeySlot
from vaultui.fs.errors import StorageUnavailableError
from vaultui.fs.s3stream import is_s3
from vaultui.fs.storage import temp_name, write_atomic
from vaultui.fs.unreachable import is_unreachable
from vaultui.fs.vault import VaultLocation

#: Slot files read per vault at most: a hostile storage must not make unlocking walk a
#: million files.
MAX_SLOTS = 256


class KeySlotExistsError(FileExistsError):
    """The vault already has a slot for this recipient."""


def _create_new(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Write `path` only if nothing is there, all at once; FileExistsError otherwise."""
    if isinstance(fs, LocalFileSystem):
        # Write beside, then link: the link fails if the name exists (another writer won),
        # and a reader never sees a half-written slot.
        tmp = temp_name(path)
        fs.pipe_file(tmp, data)
        try:
            os.link(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return
    if fs.exists(path):
        raise FileExistsError(path)
    if is_s3(fs):
        try:
            # A conditional PUT (If-None-Match: *): S3 refuses it if another writer got there.
            fs.pipe_file(path, data, mode="create")
        except OSError:
            fs.invalidate_cache(path)
            if fs.exists(path):
                raise FileExistsError(path) from None
            raise
        return
    # Storages without an exclusive create (Azure, SFTP here): the exists check above is
    # the best there is; the slot name is per recipient, so a race writes the same slot.
    write_atomic(fs, path, data)


def slot_dir(location: VaultLocation) -> str:
    return location.path(SLOT_DIR_NAME)


def list_slots(location: VaultLocation) -> list[tuple[str, KeySlot | FormatError]]:
    """Every slot file's name and its slot, or the FormatError that its content gave."""
    fs = location.fs
    try:
        entries = fs.ls(slot_dir(location), detail=True)
    except FileNotFoundError:
        return []
    except OSError as exc:
        if is_unreachable(exc):
            raise
        raise StorageUnavailableError(f"cannot list the key slots of {location.url}: {exc}"
                                      ) from exc
    names = sorted(str(entry["name"]) for entry in entries
                   if entry.get("type") == "file" and str(entry["name"]).endswith(SLOT_SUFFIX))
    found: list[tuple[str, KeySlot | FormatError]] = []
    for path in names[:MAX_SLOTS]:
        name = path.rstrip("/").rpartition("/")[2]
        try:
            size = fs.size(path)
            if size is not None and size > MAX_SLOT_FILE_SIZE:
                raise FormatError(f"a key slot file is at most {MAX_SLOT_FILE_SIZE} bytes")
            data = bytes(fs.cat_file(path, start=0, end=MAX_SLOT_FILE_SIZE + 1))
            found.append((name, KeySlot.parse(data)))
        except FileNotFoundError:
            continue  # removed while we listed
        except FormatError as exc:
            found.append((name, exc))
    return found


def add_slot(location: VaultLocation, slot: KeySlot) -> str:
    """Write a new slot file and return its name; KeySlotExistsError if it is there already."""
    fs = location.fs
    directory = slot_dir(location)
    fs.makedirs(directory, exist_ok=True)
    path = location.path(SLOT_DIR_NAME, slot.file_name)
    try:
        _create_new(fs, path, slot.to_bytes())
    except FileExistsError:
        raise KeySlotExistsError(
            f"{location.url} already has a key slot for {slot.fingerprint}") from None
    return slot.file_name


def remove_slot(location: VaultLocation, name: str) -> None:
    """Delete one slot file by its file name."""
    if "/" in name or "\\" in name or not name.endswith(SLOT_SUFFIX):
        raise ValueError(f"{name!r} is not a key slot file name")
    location.fs.rm_file(location.path(SLOT_DIR_NAME, name))
