from __future__ import annotations

from pathlib import Path

import pytest
from pycryptomator.cryptomator import Vault, init_vault

from tests.crypto.helpers import COMBOS, fixed_key, quiet
from vaultui.crypto import CipherCombo, ContentCipher, Masterkey, content_cipher


@pytest.fixture(params=COMBOS, ids=lambda c: c.value)
def combo(request: pytest.FixtureRequest) -> CipherCombo:
    return request.param


@pytest.fixture
def masterkey() -> Masterkey:
    return fixed_key()


@pytest.fixture
def cipher(combo: CipherCombo, masterkey: Masterkey) -> ContentCipher:
    return content_cipher(combo, masterkey)


#: The passphrase of the vault pycryptomator creates for the oracle tests.
ORACLE_PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="session")
def oracle_vault_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault created by pycryptomator's init_vault (SIV_GCM, scrypt N=32768), once."""
    path = tmp_path_factory.mktemp("pycryptomator-vault")
    with quiet():
        init_vault(str(path), ORACLE_PASSPHRASE)
    return path


@pytest.fixture(scope="session")
def oracle_opened(oracle_vault_dir: Path) -> Vault:
    """pycryptomator's own view of that vault: its unlocked .pk/.hk."""
    with quiet():
        return Vault(str(oracle_vault_dir), password=ORACLE_PASSPHRASE)
