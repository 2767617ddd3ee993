"""A vault on a storage location: create, inspect, unlock, change passphrase, recover."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.constants import (
    DATA_DIR_NAME,
    DEFAULT_SCRYPT_BLOCK_SIZE,
    DEFAULT_SCRYPT_COST,
    DEFAULT_SHORTENING_THRESHOLD,
    DIR_FILE_NAME,
    DIR_ID_BACKUP_FILE_NAME,
    ENCRYPTED_NAME_SUFFIX,
    MASTERKEY_FILENAME,
    MAX_CONFIG_FILE_SIZE,
    MAX_MASTERKEY_FILE_SIZE,
    ROOT_DIR_ID,
    VAULT_CONFIG_FILENAME,
    VAULT_FORMAT,
)
from vaultui.crypto.content import content_cipher
from vaultui.crypto.cryptor import VaultCryptor, new_vault_files
from vaultui.crypto.errors import FormatError, UnsupportedVaultError, VaultError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.masterkeyfile import MasterkeyFile, backup_file_suffix
from vaultui.crypto.names import NameCipher
from vaultui.crypto.recovery import decode_recovery_key
from vaultui.crypto.sizes import LAYOUTS
from vaultui.crypto.vaultconfig import (
    MASTERKEY_KID_PREFIX,
    CipherCombo,
    UnverifiedVaultConfig,
    VaultConfig,
)
from vaultui.fs.errors import (
    MasterkeyMissingError,
    StorageUnavailableError,
    VaultConfigMissingError,
    VaultNotFoundError,
)
from vaultui.fs.storage import (
    canonical_root,
    join,
    open_location,
    read_head,
    read_small,
    write_atomic,
)
from vaultui.fs.unreachable import is_unreachable, storage_call

BACKUP_SUFFIX = ".bkup"
#: Encrypted files tried, beyond the root's dirid.c9r, to find a vault's cipher combo.
MAX_COMBO_PROBES = 32

#: Called when a key is needed; returns the passphrase (str) or the key itself.
KeyLoader = Callable[["VaultLocation"], "str | Masterkey"]


def _read(fs: AbstractFileSystem, path: str, cap: int, what: str | None = None
          ) -> bytes | None:
    """A small file's bytes (None if it is missing): with `what`, the whole file, refused
    (VaultCorruptError) beyond `cap` bytes; without, its first `cap` bytes."""
    try:
        data = read_head(fs, path, cap) if what is None else read_small(fs, path, cap, what)
    except FileNotFoundError:
        return None
    except OSError as exc:
        # Connection failures are left to @storage_call, which names the vault's location.
        if is_unreachable(exc):
            raise
        raise StorageUnavailableError(f"cannot read {path}: {exc}") from exc
    return bytes(data)


def _older_format(masterkey_file: bytes) -> int | None:
    """The vault format a masterkey file of a vault before format 8 names, else None."""
    try:
        version = MasterkeyFile.parse(masterkey_file).version
    except FormatError:
        return None
    return version if 0 < version < VAULT_FORMAT else None


def id_from_jti(jti: object, url: str) -> str:
    """A vault id from its config's `jti`, or from its URL when the config has none."""
    if isinstance(jti, str) and jti.strip() and "\n" not in jti:
        return f"vault:{jti.strip()}"
    return "url:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class VaultLocation:
    """Where a vault lives: a filesystem and the vault's root path in it."""

    fs: AbstractFileSystem
    root: str

    def __post_init__(self) -> None:
        # The filesystem's own form of the path (local: absolute; memory: leading '/'), as
        # its listings return it: a relative root would match no listed path.
        object.__setattr__(self, "root", canonical_root(self.fs, self.root))

    @classmethod
    def from_url(cls, location: str, storage_options: dict[str, Any] | None = None
                 ) -> VaultLocation:
        fs, root = open_location(location, storage_options)
        return cls(fs, root)

    def path(self, *parts: str) -> str:
        return join(self.root, *parts)

    @property
    def url(self) -> str:
        """A display form of the location (never includes credentials)."""
        return str(self.fs.unstrip_protocol(self.root))

    def masterkey_file_path(self, config: UnverifiedVaultConfig | None = None) -> str:
        name = MASTERKEY_FILENAME
        if config is not None:
            kid = config.kid
            if not kid.startswith(MASTERKEY_KID_PREFIX):
                raise UnsupportedVaultError(
                    f"this vault's key is not in a masterkey file (key id {kid!r}); "
                    "vaultui opens vaults with a masterkey file"
                )
            name = kid[len(MASTERKEY_KID_PREFIX):]
            if "/" in name or "\\" in name or name in ("", ".", ".."):
                raise UnsupportedVaultError(
                    "this vault keeps its masterkey file outside the vault folder"
                )
        return self.path(name)

    # -- inspection ---------------------------------------------------------------

    @storage_call
    def read_config(self) -> UnverifiedVaultConfig:
        """The parsed (unverified) vault config, or a clear error saying what is missing."""
        token = _read(self.fs, self.path(VAULT_CONFIG_FILENAME), MAX_CONFIG_FILE_SIZE,
                      f"{self.url}: {VAULT_CONFIG_FILENAME}")
        if token is None:
            masterkey_file = _read(self.fs, self.path(MASTERKEY_FILENAME),
                                   MAX_MASTERKEY_FILE_SIZE, f"{self.url}: {MASTERKEY_FILENAME}")
            if masterkey_file is not None:
                # Vaults before format 8 have no config at all: their masterkey file's
                # version is the vault format. "Restore the config" would be wrong advice.
                old = _older_format(masterkey_file)
                if old is not None:
                    raise UnsupportedVaultError(
                        f"{self.url} is a vault of format {old}; vaultui reads format "
                        f"{VAULT_FORMAT}. Upgrade it by unlocking it once in Cryptomator."
                    )
                raise VaultConfigMissingError(
                    f"{self.url}: vault.cryptomator is missing; restore it with the recovery "
                    "key or the passphrase"
                )
            raise VaultNotFoundError(f"{self.url} is not a vault (no vault.cryptomator)")
        return UnverifiedVaultConfig.parse(token)

    @storage_call
    def read_masterkey_file(self, config: UnverifiedVaultConfig | None = None) -> MasterkeyFile:
        data = _read(self.fs, self.masterkey_file_path(config), MAX_MASTERKEY_FILE_SIZE,
                     f"{self.url}: {MASTERKEY_FILENAME}")
        if data is None:
            raise MasterkeyMissingError(
                f"{self.url}: masterkey.cryptomator is missing; restore it with the recovery key"
            )
        return MasterkeyFile.parse(data)

    @storage_call
    def is_vault(self) -> bool:
        try:
            self.read_config()
        except (VaultNotFoundError, FormatError):
            return False
        return True

    def vault_id(self) -> str:
        """The vault's stable id: the `jti` of its config (a UUID made at creation).

        It stays the same wherever the vault is reached from (another URL, a mount, a synced
        copy), which a URL would not. Reading it needs no key; it names a keyring item and a
        key source's key, and whatever is found there must still unlock the vault. Vaults
        without one fall back to a hash of the location.
        """
        return id_from_jti(self.read_config().payload.get("jti"), self.url)

    # -- unlocking ----------------------------------------------------------------

    @storage_call
    def unlock(self, secret: str | Masterkey) -> tuple[Masterkey, VaultConfig]:
        """Verify the config with the key from `secret` (passphrase or key) and return both.

        The scrypt parameters are checked (capped) when the masterkey file is parsed,
        before scrypt runs.
        """
        unverified = self.read_config()
        if isinstance(secret, Masterkey):
            key = secret
        else:
            key = self.read_masterkey_file(unverified).unlock(secret)
        return key, unverified.verify(key)

    def cryptor(self, secret: str | Masterkey) -> VaultCryptor:
        key, config = self.unlock(secret)
        return VaultCryptor(key, config)

    # -- creating and changing ----------------------------------------------------

    @storage_call
    def create(
        self,
        passphrase: str,
        *,
        cipher_combo: CipherCombo = CipherCombo.SIV_GCM,
        shortening_threshold: int = DEFAULT_SHORTENING_THRESHOLD,
        scrypt_cost: int = DEFAULT_SCRYPT_COST,
        scrypt_block_size: int = DEFAULT_SCRYPT_BLOCK_SIZE,
        masterkey: Masterkey | None = None,
    ) -> Masterkey:
        """Create a new vault here; refuses a location that already holds one."""
        fs = self.fs
        for name in (VAULT_CONFIG_FILENAME, MASTERKEY_FILENAME):
            if fs.exists(self.path(name)):
                raise FileExistsError(f"{self.url} already holds a vault ({name} exists)")
        files = new_vault_files(
            passphrase,
            cipher_combo=cipher_combo,
            shortening_threshold=shortening_threshold,
            scrypt_cost=scrypt_cost,
            scrypt_block_size=scrypt_block_size,
            masterkey=masterkey,
        )
        fs.makedirs(self.path(files.root_dir_path), exist_ok=True)
        write_atomic(fs, self.path(files.root_dir_path, DIR_ID_BACKUP_FILE_NAME),
                     files.root_dir_id_backup)
        write_atomic(fs, self.path(MASTERKEY_FILENAME), files.masterkey_file)
        # The config goes last: its presence is what makes the folder a vault.
        write_atomic(fs, self.path(VAULT_CONFIG_FILENAME), files.vault_config)
        return files.masterkey

    def _backup_masterkey_file(self, path: str) -> str | None:
        old = _read(self.fs, path, MAX_MASTERKEY_FILE_SIZE, f"{self.url}: {MASTERKEY_FILENAME}")
        if old is None:
            return None
        backup = path + backup_file_suffix(old) + BACKUP_SUFFIX
        write_atomic(self.fs, backup, old)
        return backup

    @storage_call
    def change_passphrase(self, old_passphrase: str, new_passphrase: str) -> str | None:
        """Re-wrap the keys under a new passphrase; files stay untouched.

        The previous masterkey file is kept as masterkey.cryptomator.<id>.bkup, as
        Cryptomator does. Returns the backup's path.
        """
        unverified = self.read_config()
        path = self.masterkey_file_path(unverified)
        current = self.read_masterkey_file(unverified)
        unverified.verify(current.unlock(old_passphrase))
        new = current.rewrap(old_passphrase, new_passphrase)
        backup = self._backup_masterkey_file(path)
        write_atomic(self.fs, path, new.to_bytes())
        return backup

    @storage_call
    def reset_passphrase(self, recovery_key: str, new_passphrase: str,
                         scrypt_cost: int = DEFAULT_SCRYPT_COST) -> str | None:
        """A new masterkey file from the recovery key (the old one kept as a backup).

        The key must verify this vault's config first, so a recovery key of another vault
        cannot replace this vault's masterkey file.
        """
        key = decode_recovery_key(recovery_key)
        unverified = self.read_config()
        unverified.verify(key)
        path = self.masterkey_file_path(unverified)
        backup = self._backup_masterkey_file(path)
        new = MasterkeyFile.wrap(key, new_passphrase, scrypt_cost=scrypt_cost)
        write_atomic(self.fs, path, new.to_bytes())
        return backup

    @storage_call
    def restore_config(self, key: Masterkey, cipher_combo: CipherCombo | None = None,
                       shortening_threshold: int = DEFAULT_SHORTENING_THRESHOLD) -> None:
        """Rewrite a missing vault.cryptomator; the cipher combo is detected from a file."""
        combo = cipher_combo or self._detect_combo(key)
        config = VaultConfig.new(combo, shortening_threshold)
        write_atomic(self.fs, self.path(VAULT_CONFIG_FILENAME), config.to_token(key))

    @storage_call
    def restore_masterkey_file(self, recovery_key: str, new_passphrase: str,
                               scrypt_cost: int = DEFAULT_SCRYPT_COST) -> Masterkey:
        """Rewrite a missing masterkey.cryptomator from the recovery key."""
        key = decode_recovery_key(recovery_key)
        with contextlib.suppress(VaultNotFoundError):
            self.read_config().verify(key)
        write_atomic(self.fs, self.path(MASTERKEY_FILENAME),
                     MasterkeyFile.wrap(key, new_passphrase, scrypt_cost=scrypt_cost).to_bytes())
        return key

    def _detect_combo(self, key: Masterkey) -> CipherCombo:
        """Which combo the file headers decrypt with: the root's dirid.c9r first, then
        other encrypted files, as Cryptomator's recovery does.

        The root's dirid.c9r is optional (vaults from before cryptofs wrote it lack it),
        and pycryptomator writes it with the header payload in the clear.
        """
        root_dir = self.path(NameCipher(key).dir_path(ROOT_DIR_ID))
        if not self.fs.exists(root_dir):
            raise VaultNotFoundError(f"{self.url}: no root directory found for this key")
        longest = max(layout.header_size for layout in LAYOUTS.values())
        for path in self._encrypted_files(join(root_dir, DIR_ID_BACKUP_FILE_NAME)):
            head = _read(self.fs, path, longest)
            for combo in CipherCombo:
                if head is None:
                    break
                with contextlib.suppress(VaultError):
                    content_cipher(combo, key).decrypt_header(head[:LAYOUTS[combo].header_size])
                    return combo
        raise FormatError(f"{self.url}: no file in the vault decrypts with this key")

    def _encrypted_files(self, first: str) -> Iterator[str]:
        yield first
        probes = 0
        for folder, _dirs, files in self.fs.walk(self.path(DATA_DIR_NAME)):
            for name in sorted(files):
                path = join(folder, name)
                # dir.c9r holds a plain directory id; every other .c9r is encrypted.
                if name.endswith(ENCRYPTED_NAME_SUFFIX) and name != DIR_FILE_NAME \
                        and path != first:
                    yield path
                    probes += 1
                    if probes >= MAX_COMBO_PROBES:
                        return
