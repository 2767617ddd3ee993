"""One unlocked vault's cryptography: content cipher, name cipher and new-vault material."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from vaultui.crypto.constants import (
    DEFAULT_SCRYPT_BLOCK_SIZE,
    DEFAULT_SCRYPT_COST,
    DEFAULT_SHORTENING_THRESHOLD,
    ROOT_DIR_ID,
)
from vaultui.crypto.content import ContentCipher, content_cipher
from vaultui.crypto.keys import Masterkey, RandomBytes
from vaultui.crypto.masterkeyfile import MasterkeyFile
from vaultui.crypto.names import NameCipher, storage_name
from vaultui.crypto.stream import decrypt_bytes, encrypt_bytes
from vaultui.crypto.vaultconfig import CipherCombo, VaultConfig


class VaultCryptor:
    """Everything that needs the unlocked key, for one vault and its config."""

    def __init__(self, masterkey: Masterkey, config: VaultConfig,
                 randbytes: RandomBytes = secrets.token_bytes) -> None:
        self.config = config
        self.content: ContentCipher = content_cipher(config.cipher_combo, masterkey, randbytes)
        self.names = NameCipher(masterkey)

    def __repr__(self) -> str:
        return f"VaultCryptor(combo={self.config.cipher_combo.value}, <key redacted>)"

    @property
    def shortening_threshold(self) -> int:
        return self.config.shortening_threshold

    def storage_name(self, cleartext_name: str, parent_dir_id: str, *,
                     as_given: bool = False) -> str:
        """The node name (X.c9r or hash.c9s) of a child named `cleartext_name` (in NFC,
        or with `as_given` exactly as given)."""
        encrypted = self.names.encrypt_name(cleartext_name, parent_dir_id, as_given=as_given)
        return storage_name(encrypted, self.config.shortening_threshold)

    def full_encrypted_name(self, cleartext_name: str, parent_dir_id: str, *,
                            as_given: bool = False) -> str:
        """X.c9r: what a shortened node keeps in its name.c9s."""
        return self.names.encrypt_name(cleartext_name, parent_dir_id, as_given=as_given) + ".c9r"

    def dir_path(self, dir_id: str) -> str:
        return self.names.dir_path(dir_id)

    def encrypt_file(self, data: bytes) -> bytes:
        return encrypt_bytes(data, self.content)

    def decrypt_file(self, data: bytes) -> bytes:
        return decrypt_bytes(data, self.content)

    def dir_id_backup(self, dir_id: str) -> bytes:
        """dirid.c9r: the directory's own id, encrypted like a file's contents."""
        return self.encrypt_file(dir_id.encode("utf-8"))


def new_dir_id() -> str:
    """A fresh directory id: a random UUID string, as Cryptomator makes them."""
    return str(uuid.uuid4())


@dataclass(frozen=True, repr=False)
class NewVaultFiles:
    """What a new vault writes: its key files and its root directory's id backup."""

    masterkey: Masterkey
    masterkey_file: bytes
    vault_config: bytes
    config: VaultConfig
    root_dir_path: str
    root_dir_id_backup: bytes


def new_vault_files(
    passphrase: str,
    *,
    cipher_combo: CipherCombo = CipherCombo.SIV_GCM,
    shortening_threshold: int = DEFAULT_SHORTENING_THRESHOLD,
    scrypt_cost: int = DEFAULT_SCRYPT_COST,
    scrypt_block_size: int = DEFAULT_SCRYPT_BLOCK_SIZE,
    masterkey: Masterkey | None = None,
    randbytes: RandomBytes = secrets.token_bytes,
) -> NewVaultFiles:
    """Generate (or take) a key and produce every file a new vault consists of."""
    key = masterkey or Masterkey.generate(randbytes)
    mkfile = MasterkeyFile.wrap(key, passphrase, scrypt_cost=scrypt_cost,
                                scrypt_block_size=scrypt_block_size, randbytes=randbytes)
    config = VaultConfig.new(cipher_combo, shortening_threshold)
    cryptor = VaultCryptor(key, config, randbytes)
    return NewVaultFiles(
        masterkey=key,
        masterkey_file=mkfile.to_bytes(),
        vault_config=config.to_token(key),
        config=config,
        root_dir_path=cryptor.dir_path(ROOT_DIR_ID),
        root_dir_id_backup=cryptor.dir_id_backup(ROOT_DIR_ID),
    )
