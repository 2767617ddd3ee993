"""The vault format (Cryptomator vault format 8): pure crypto over stdlib and cryptography.

The names below load on first use (PEP 562): a process that only streams file contents
does not import the masterkey file, name, recovery-key and vault cryptor code. That is
about a sixth of a streaming command's start-up (bench/README.md).
"""

from __future__ import annotations

# Not imported from typing: `vaultui-cli --help` reads constants from this package, and
# typing would be a tenth of its start-up. mypy reads this name as typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.crypto.combos import CipherCombo
    from vaultui.crypto.content import ContentCipher, FileHeader, content_cipher
    from vaultui.crypto.cryptor import NewVaultFiles, VaultCryptor, new_dir_id, new_vault_files
    from vaultui.crypto.errors import (
        AuthenticationError,
        CancelledError,
        FormatError,
        InvalidSignatureError,
        RecoveryKeyError,
        UnsupportedVaultError,
        VaultError,
        WrongPassphraseError,
    )
    from vaultui.crypto.keys import Masterkey
    from vaultui.crypto.masterkeyfile import MasterkeyFile
    from vaultui.crypto.names import NameCipher
    from vaultui.crypto.recovery import decode_recovery_key, encode_recovery_key
    from vaultui.crypto.sizes import ciphertext_size, cleartext_size
    from vaultui.crypto.stream import DecryptingReader, EncryptingWriter
    from vaultui.crypto.vaultconfig import UnverifiedVaultConfig, VaultConfig

#: The module each public name comes from.
_EXPORTS = {
    "AuthenticationError": "errors",
    "CancelledError": "errors",
    "CipherCombo": "combos",
    "ContentCipher": "content",
    "DecryptingReader": "stream",
    "EncryptingWriter": "stream",
    "FileHeader": "content",
    "FormatError": "errors",
    "InvalidSignatureError": "errors",
    "Masterkey": "keys",
    "MasterkeyFile": "masterkeyfile",
    "NameCipher": "names",
    "NewVaultFiles": "cryptor",
    "RecoveryKeyError": "errors",
    "UnsupportedVaultError": "errors",
    "UnverifiedVaultConfig": "vaultconfig",
    "VaultConfig": "vaultconfig",
    "VaultCryptor": "cryptor",
    "VaultError": "errors",
    "WrongPassphraseError": "errors",
    "ciphertext_size": "sizes",
    "cleartext_size": "sizes",
    "content_cipher": "content",
    "decode_recovery_key": "recovery",
    "encode_recovery_key": "recovery",
    "new_dir_id": "cryptor",
    "new_vault_files": "cryptor",
}
#: Submodules, which `import vaultui.crypto` used to make attributes of the package.
_SUBMODULES = frozenset({
    "constants", "content", "cryptor", "errors", "keys", "masterkeyfile", "names", "recovery",
    "sizes", "stream", "vaultconfig",
})

__all__ = [
    "AuthenticationError",
    "CancelledError",
    "CipherCombo",
    "ContentCipher",
    "DecryptingReader",
    "EncryptingWriter",
    "FileHeader",
    "FormatError",
    "InvalidSignatureError",
    "Masterkey",
    "MasterkeyFile",
    "NameCipher",
    "NewVaultFiles",
    "RecoveryKeyError",
    "UnsupportedVaultError",
    "UnverifiedVaultConfig",
    "VaultConfig",
    "VaultCryptor",
    "VaultError",
    "WrongPassphraseError",
    "ciphertext_size",
    "cleartext_size",
    "content_cipher",
    "decode_recovery_key",
    "encode_recovery_key",
    "new_dir_id",
    "new_vault_files",
]


def __getattr__(name: str) -> Any:
    # Imported here: a process that imports the submodules it needs directly (a
    # streaming command) does not load the importlib package at all.
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
