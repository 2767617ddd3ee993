"""Errors of the vault filesystem layer, on top of the format's VaultError family."""

from __future__ import annotations

from vaultui.crypto.errors import FormatError, VaultError


class VaultNotFoundError(VaultError, FileNotFoundError):
    """The location holds no vault (no vault.cryptomator and no masterkey.cryptomator)."""


class VaultConfigMissingError(VaultNotFoundError):
    """masterkey.cryptomator is there but vault.cryptomator is not: recoverable with the key."""


class MasterkeyMissingError(VaultNotFoundError):
    """vault.cryptomator is there but masterkey.cryptomator is not: use the recovery key."""


class VaultCorruptError(FormatError):
    """A node on storage is missing or malformed (e.g. a directory without its dir.c9r)."""


class StorageUnavailableError(VaultError, OSError):
    """The storage behind the vault cannot be reached."""


class FileChangedError(VaultError, OSError):
    """A file was replaced while it was being read; open it again to read the new version."""


class RefusedOperationError(VaultError, PermissionError):
    """An operation the vault never allows, whatever the storage permits: removing or
    moving the root, moving a folder into itself. The request is wrong, not the storage."""
