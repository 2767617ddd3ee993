"""The vault format (Cryptomator vault format 8): pure crypto over stdlib and cryptography."""

from vaultui.crypto.content import ContentCipher, FileHeader, content_cipher
from vaultui.crypto.cryptor import NewVaultFiles, VaultCryptor, new_dir_id, new_vault_files
from vaultui.crypto.errors import (
    AuthenticationError,
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
from vaultui.crypto.stream import CancelledError, DecryptingReader, EncryptingWriter
from vaultui.crypto.vaultconfig import CipherCombo, UnverifiedVaultConfig, VaultConfig

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
