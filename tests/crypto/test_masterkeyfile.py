"""masterkey.cryptomator: wrap/unlock, passphrases, scrypt caps, and pycryptomator interop."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pycryptomator.cryptomator import Vault

from tests.crypto.conftest import ORACLE_PASSPHRASE
from tests.crypto.helpers import DeterministicRandom, fixed_key, quiet
from vaultui.crypto import (
    AuthenticationError,
    FormatError,
    Masterkey,
    MasterkeyFile,
    WrongPassphraseError,
    new_vault_files,
)
from vaultui.crypto.constants import MAX_SCRYPT_MEMORY
from vaultui.crypto.masterkeyfile import backup_file_suffix, scrypt_memory

FAST = 1024  # scrypt cost for tests that are not about scrypt


def wrapped(passphrase: str = "pass phrase", **kw: Any) -> tuple[Masterkey, MasterkeyFile]:
    key = fixed_key()
    return key, MasterkeyFile.wrap(key, passphrase, scrypt_cost=FAST, **kw)


def as_json(mk: MasterkeyFile) -> dict[str, Any]:
    return json.loads(mk.to_bytes())


def from_json(obj: dict[str, Any]) -> MasterkeyFile:
    return MasterkeyFile.parse(json.dumps(obj).encode())


def test_wrap_unlock_round_trip() -> None:
    key, mk = wrapped()
    parsed = MasterkeyFile.parse(mk.to_bytes())
    assert parsed == mk
    assert parsed.unlock("pass phrase") == key


def test_file_fields() -> None:
    _, mk = wrapped(randbytes=DeterministicRandom("salt"))
    obj = as_json(mk)
    assert set(obj) == {"version", "scryptSalt", "scryptCostParam", "scryptBlockSize",
                        "primaryMasterKey", "hmacMasterKey", "versionMac"}
    assert obj["version"] == 999
    assert obj["scryptCostParam"] == FAST and obj["scryptBlockSize"] == 8
    assert len(base64.b64decode(obj["scryptSalt"])) == 8
    assert len(base64.b64decode(obj["primaryMasterKey"])) == 40
    assert len(base64.b64decode(obj["hmacMasterKey"])) == 40
    assert len(base64.b64decode(obj["versionMac"])) == 32


def test_defaults_are_cryptomators() -> None:
    mk = MasterkeyFile.wrap(fixed_key(), "x")  # the one real-cost scrypt in this module
    assert (mk.scrypt_cost, mk.scrypt_block_size, len(mk.scrypt_salt)) == (32768, 8, 8)


def test_wrong_passphrase() -> None:
    _, mk = wrapped()
    with pytest.raises(WrongPassphraseError) as info:
        mk.unlock("pass phrasE")
    assert str(info.value) == "wrong passphrase"
    assert isinstance(info.value, AuthenticationError)


def test_pepper_is_part_of_the_key_derivation() -> None:
    key, mk = wrapped(pepper=b"pepper")
    assert mk.unlock("pass phrase", pepper=b"pepper") == key
    with pytest.raises(WrongPassphraseError):
        mk.unlock("pass phrase")


@pytest.mark.parametrize("word", ["Pässwörd", "ĉu ŝi", "한국어", "Å"])
def test_nfc_and_nfd_passphrases_unlock_the_same(word: str) -> None:
    nfc, nfd = unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)
    assert nfc != nfd
    key, mk = wrapped(nfd)
    assert mk.unlock(nfc) == key
    assert mk.unlock(nfd) == key


@pytest.mark.parametrize("passphrase", ["\ud800", "pass\udfffword"])
def test_passphrase_that_is_not_unicode(passphrase: str) -> None:
    """Regression (found by the fuzzer): a lone surrogate raised UnicodeEncodeError."""
    _, mk = wrapped()
    with pytest.raises(FormatError, match="passphrase"):
        mk.unlock(passphrase)
    with pytest.raises(FormatError, match="passphrase"):
        MasterkeyFile.wrap(fixed_key(), passphrase, scrypt_cost=FAST)


def test_rewrap_keeps_the_key_and_changes_the_salt() -> None:
    key, mk = wrapped("old")
    new = mk.rewrap("old", "new")
    assert new.scrypt_salt != mk.scrypt_salt
    assert new.wrapped_enc_key != mk.wrapped_enc_key
    assert (new.scrypt_cost, new.scrypt_block_size) == (mk.scrypt_cost, mk.scrypt_block_size)
    assert new.version == mk.version and new.version_mac == mk.version_mac
    assert new.unlock("new") == key
    with pytest.raises(WrongPassphraseError):
        new.unlock("old")
    with pytest.raises(WrongPassphraseError):
        mk.rewrap("wrong", "new")


@pytest.mark.parametrize(
    "change",
    [
        {"versionMac": base64.b64encode(b"\x00" * 32).decode()},
        {"version": 998},
        {"version": 7},
    ],
    ids=["versionMac altered", "version altered", "version downgraded"],
)
def test_altered_version_or_mac_is_a_format_error(change: dict[str, Any]) -> None:
    _, mk = wrapped()
    obj = as_json(mk) | change
    with pytest.raises(FormatError, match="version MAC"):
        from_json(obj).unlock("pass phrase")


def test_swapped_wrapped_keys_do_not_unlock_as_the_same_key() -> None:
    _, mk = wrapped()
    obj = as_json(mk)
    obj["primaryMasterKey"], obj["hmacMasterKey"] = obj["hmacMasterKey"], obj["primaryMasterKey"]
    with pytest.raises(FormatError):  # keys unwrap, but the version MAC uses the MAC key
        from_json(obj).unlock("pass phrase")


# --- scrypt caps: a hostile file must not make us allocate gigabytes --------------------

@pytest.fixture
def no_scrypt(monkeypatch: pytest.MonkeyPatch) -> MasterkeyFile:
    """A wrapped file to start from; after it is made, any call of scrypt fails the test."""
    _, mk = wrapped()

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("scrypt ran on parameters that should have been refused")

    monkeypatch.setattr(hashlib, "scrypt", refuse)
    return mk


@pytest.mark.parametrize(
    ("cost", "block_size"),
    [
        (2**30, 8),  # 1 TiB
        (2**30, 1),  # 128 GiB
        (2**20, 8),  # 1 GiB
        (32768, 1024),  # r beyond anything sensible
        (32768, 0),
        (32768, -8),
        (2**19 + 1, 8),  # not a power of two
        (3, 8),
        (512, 8),  # below our minimum
        (0, 8),
        (-32768, 8),
    ],
)
def test_scrypt_parameters_are_capped_before_scrypt_runs(no_scrypt: MasterkeyFile, cost: int,
                                                         block_size: int) -> None:
    mk = no_scrypt
    obj = as_json(mk) | {"scryptCostParam": cost, "scryptBlockSize": block_size}
    t0 = time.perf_counter()
    with pytest.raises(FormatError):
        from_json(obj)
    # A MasterkeyFile built directly (not parsed) is checked again before unlocking.
    hostile = MasterkeyFile(mk.version, mk.scrypt_salt, cost, block_size, mk.wrapped_enc_key,
                            mk.wrapped_mac_key, mk.version_mac)
    with pytest.raises(FormatError):
        hostile.unlock("pass phrase")
    assert time.perf_counter() - t0 < 0.5


def test_the_cap_itself_is_allowed(no_scrypt: MasterkeyFile) -> None:
    mk = no_scrypt
    assert scrypt_memory(2**19, 8) == MAX_SCRYPT_MEMORY
    parsed = from_json(as_json(mk) | {"scryptCostParam": 2**19, "scryptBlockSize": 8})
    assert parsed.scrypt_cost == 2**19


@pytest.mark.parametrize(
    "change",
    [
        {"scryptCostParam": 32768.0},
        {"scryptCostParam": "32768"},
        {"scryptCostParam": True},
        {"version": "999"},
        {"version": 2**31},
        {"scryptSalt": "not base64!"},
        {"scryptSalt": 12},
        {"primaryMasterKey": base64.b64encode(b"\x00" * 32).decode()},
        {"hmacMasterKey": base64.b64encode(b"\x00" * 48).decode()},
        {"versionMac": None},
    ],
)
def test_malformed_fields_are_format_errors(change: dict[str, Any]) -> None:
    _, mk = wrapped()
    with pytest.raises(FormatError):
        from_json(as_json(mk) | change)


@pytest.mark.parametrize("field", ["scryptSalt", "scryptCostParam", "scryptBlockSize",
                                   "primaryMasterKey", "hmacMasterKey", "versionMac"])
def test_missing_fields_are_named(field: str) -> None:
    _, mk = wrapped()
    obj = as_json(mk)
    del obj[field]
    with pytest.raises(FormatError, match=field):
        from_json(obj)


@pytest.mark.parametrize("data", [b"", b"[]", b"null", b"{", b"\xff\xfe", b'"x"'])
def test_not_a_json_object(data: bytes) -> None:
    with pytest.raises(FormatError):
        MasterkeyFile.parse(data)


def test_backup_file_suffix() -> None:
    _, mk = wrapped()
    data = mk.to_bytes()
    suffix = backup_file_suffix(data)
    assert suffix == "." + hashlib.sha256(data).digest()[:4].hex().upper()
    assert len(suffix) == 9 and suffix[1:] == suffix[1:].upper()
    assert backup_file_suffix(data + b" ") != suffix


# --- pycryptomator as oracle ------------------------------------------------------------

def test_pycryptomator_masterkey_file_opens_with_our_code(oracle_vault_dir: Path,
                                                          oracle_opened: Vault) -> None:
    data = (oracle_vault_dir / "masterkey.cryptomator").read_bytes()
    mk = MasterkeyFile.parse(data)
    assert (mk.scrypt_cost, mk.scrypt_block_size, mk.version) == (32768, 8, 999)
    key = mk.unlock(ORACLE_PASSPHRASE)
    assert key.enc_key == oracle_opened.pk
    assert key.mac_key == oracle_opened.hk
    with pytest.raises(WrongPassphraseError):
        mk.unlock(ORACLE_PASSPHRASE + "!")


def write_vault(path: Path, passphrase: str) -> Masterkey:
    files = new_vault_files(passphrase, scrypt_cost=FAST)
    (path / "masterkey.cryptomator").write_bytes(files.masterkey_file)
    (path / "vault.cryptomator").write_bytes(files.vault_config)
    (path / files.root_dir_path).mkdir(parents=True)
    (path / files.root_dir_path / "dirid.c9r").write_bytes(files.root_dir_id_backup)
    return files.masterkey


def test_our_masterkey_file_opens_in_pycryptomator(tmp_path: Path) -> None:
    key = write_vault(tmp_path, "s3cret")
    # pycryptomator checks the key unwrap, the vault config's signature, the version MAC
    # and that the root directory is where the key says.
    with quiet():
        vault = Vault(str(tmp_path), password="s3cret")
    assert (vault.pk, vault.hk) == (key.enc_key, key.mac_key)


def test_our_rewrapped_file_opens_in_pycryptomator(tmp_path: Path) -> None:
    key = write_vault(tmp_path, "old")
    path = tmp_path / "masterkey.cryptomator"
    path.write_bytes(MasterkeyFile.parse(path.read_bytes()).rewrap("old", "new").to_bytes())
    with quiet():
        vault = Vault(str(tmp_path), password="new")
    assert (vault.pk, vault.hk) == (key.enc_key, key.mac_key)
