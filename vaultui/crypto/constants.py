"""Names and sizes of Cryptomator vault format 8, defined once."""

from __future__ import annotations

VAULT_FORMAT = 8
MASTERKEY_FILENAME = "masterkey.cryptomator"
VAULT_CONFIG_FILENAME = "vault.cryptomator"
DATA_DIR_NAME = "d"
ROOT_DIR_ID = ""

ENCRYPTED_NAME_SUFFIX = ".c9r"
SHORTENED_NAME_SUFFIX = ".c9s"
DIR_FILE_NAME = "dir.c9r"
DIR_ID_BACKUP_FILE_NAME = "dirid.c9r"
SYMLINK_FILE_NAME = "symlink.c9r"
CONTENTS_FILE_NAME = "contents.c9r"
INFLATED_NAME_FILE_NAME = "name.c9s"

DEFAULT_SHORTENING_THRESHOLD = 220
#: Below this a shortened name could not even hold a hash; Cryptomator's minimum.
MIN_SHORTENING_THRESHOLD = 36
MAX_DIR_ID_LENGTH = 36
#: Cryptomator's health check treats a dir.c9r above this as corrupt ("obese").
MAX_DIR_FILE_SIZE = 1000
MAX_SYMLINK_TARGET_LENGTH = 32767
#: Caps on the small files read whole. Each is a few hundred bytes when genuine; a
#: hostile vault must not make us read (and hold) gigabytes before refusing them.
MAX_CONFIG_FILE_SIZE = 64 * 1024
MAX_MASTERKEY_FILE_SIZE = 64 * 1024
#: name.c9s holds one encrypted name; far more than any file system's longest name.
MAX_NAME_FILE_SIZE = 64 * 1024

KEY_LENGTH = 32
RAW_MASTERKEY_LENGTH = 2 * KEY_LENGTH

CLEARTEXT_CHUNK_SIZE = 32 * 1024

DEFAULT_SCRYPT_COST = 32768
DEFAULT_SCRYPT_BLOCK_SIZE = 8
SCRYPT_PARALLELISM = 1
SCRYPT_SALT_LENGTH = 8
#: scrypt needs about 128 * N * r bytes. Parameters read from a file are capped at this
#: before scrypt runs, so a hostile masterkey file cannot make us allocate gigabytes.
MAX_SCRYPT_MEMORY = 512 * 1024 * 1024
MIN_SCRYPT_COST = 1024
#: The shortest passphrase vaultui accepts for a new vault or a changed passphrase, as
#: Cryptomator's apps (cryptomator.minPwLength).
MIN_PASSPHRASE_LENGTH = 8
MASTERKEY_FILE_VERSION = 999
