"""The vault's lifecycle as a user meets it: create, unlock, lose files, recover, rekey.

Every failure must come as its own error class with a message that says what was found,
and no message, repr or serialised form may carry the passphrase or the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pickle
import re
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fsspec.utils import tokenize

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import CLEARTEXT_CHUNK_SIZE
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
from vaultui.crypto.recovery import decode_recovery_key, encode_recovery_key
from vaultui.crypto.sizes import ciphertext_size
from vaultui.fs.errors import MasterkeyMissingError, VaultConfigMissingError, VaultNotFoundError
from vaultui.fs.filesystem import KeyInProcessWarning, VaultFileSystem
from vaultui.fs.storage import write_atomic
from vaultui.fs.vault import VaultLocation

PASSPHRASE = "Tr0ub4dor & 3 · pässphrase"
NEW_PASSPHRASE = "correct horse battery staple"
FAST = 1024  # the lowest scrypt cost vaultui accepts
CHUNK = CLEARTEXT_CHUNK_SIZE
SIZES = (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1)


def data_of(size: int) -> bytes:
    return hashlib.shake_256(size.to_bytes(8, "big")).digest(size) if size else b""


def create(root: Path, combo: CipherCombo = CipherCombo.SIV_GCM,
           passphrase: str = PASSPHRASE) -> tuple[VaultLocation, Masterkey]:
    root.mkdir(parents=True, exist_ok=True)
    location = VaultLocation.from_url(str(root))
    key = location.create(passphrase, scrypt_cost=FAST, cipher_combo=combo)
    return location, key


def populate(fs: VaultFileSystem) -> dict[str, bytes]:
    files = {f"sizes/{n}.bin": data_of(n) for n in SIZES}
    files["a/b/c/deep.txt"] = b"deep"
    files["long/" + "x" * 200] = b"a shortened name"
    files["ünïcödé.txt"] = "ünïcödé".encode()
    for path, content in files.items():
        fs.makedirs(path.rpartition("/")[0], exist_ok=True)
        fs.pipe_file(path, content)
    fs.makedirs("empty")
    fs.symlink("../a/b/c/deep.txt", "sizes/link")
    return files


def assert_readable(fs: VaultFileSystem, files: dict[str, bytes]) -> None:
    for path, content in files.items():
        assert fs.cat_file(path) == content, path
    assert fs.isdir("empty")
    assert fs.readlink("sizes/link") == "../a/b/c/deep.txt"


def storage_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*")
            if p.name.endswith((".part", ".tmp")) or p.name.startswith(".")]


@pytest.fixture
def vault(tmp_path: Path) -> tuple[VaultLocation, Masterkey]:
    return create(tmp_path / "vault")


@pytest.fixture
def root(tmp_path: Path, vault: tuple[VaultLocation, Masterkey]) -> Path:
    return tmp_path / "vault"


# -- secrets in errors ------------------------------------------------------------------

def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__]


def secret_forms(*secrets: str | bytes | Masterkey) -> list[str]:
    """The texts that must never appear: each secret, and a key in its usual encodings."""
    forms: list[str] = []
    for s in secrets:
        if isinstance(s, Masterkey):
            raw = s.raw
            forms += [raw.hex(), s.enc_key.hex(), s.mac_key.hex(),
                      base64.b64encode(s.enc_key).decode(), base64.b64encode(raw).decode(),
                      repr(raw)[2:40], " ".join(encode_recovery_key(s).split()[:4])]
        elif isinstance(s, bytes):
            forms += [s.hex(), repr(s)[2:40]]
        else:
            forms.append(s)
    return forms


def assert_no_secret(text: str, *secrets: str | bytes | Masterkey) -> None:
    for form in secret_forms(*secrets):
        assert form not in text


def assert_exception_clean(exc: BaseException, *secrets: str | bytes | Masterkey) -> None:
    """No message, repr or formatted traceback of the exception (or its chain) shows them."""
    texts = ["".join(traceback.format_exception(exc))]
    for e in _chain(exc):
        texts += [str(e), repr(e), repr(e.args)]
    assert_no_secret("\n".join(texts), *secrets)


# -- creating -------------------------------------------------------------------------

def test_create_writes_a_complete_vault(tmp_path: Path) -> None:
    location, key = create(tmp_path / "vault")
    files = storage_files(tmp_path / "vault")
    root_dirs = [p for p in files if p.startswith("d/")]
    assert sorted(files) == sorted(["vault.cryptomator", "masterkey.cryptomator", *root_dirs])
    (backup,) = root_dirs
    assert re.fullmatch(r"d/[A-Z2-7]{2}/[A-Z2-7]{30}/dirid\.c9r", backup)
    assert len(files[backup]) == 68  # the root's id is "": a header and no chunk
    assert location.is_vault()
    assert location.unlock(PASSPHRASE)[0] == key
    mk = json.loads(files["masterkey.cryptomator"])
    assert mk["scryptCostParam"] == FAST
    assert mk["version"] == 999
    assert not leftovers(tmp_path / "vault")


def test_create_defaults_to_cryptomators_scrypt_cost(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    VaultLocation.from_url(str(tmp_path / "v")).create(PASSPHRASE)
    assert json.loads((tmp_path / "v/masterkey.cryptomator").read_bytes())[
        "scryptCostParam"] == 32768


def test_create_refuses_an_existing_vault(root: Path) -> None:
    before = storage_files(root)
    with pytest.raises(FileExistsError, match="already holds a vault"):
        VaultLocation.from_url(str(root)).create("another passphrase", scrypt_cost=FAST)
    (root / "vault.cryptomator").unlink()  # half a vault is still a vault
    with pytest.raises(FileExistsError, match=r"masterkey\.cryptomator exists"):
        VaultLocation.from_url(str(root)).create("another passphrase", scrypt_cost=FAST)
    del before["vault.cryptomator"]
    assert storage_files(root) == before


def test_create_refuses_a_config_alone(root: Path) -> None:
    (root / "masterkey.cryptomator").unlink()
    with pytest.raises(FileExistsError, match=r"vault\.cryptomator exists"):
        VaultLocation.from_url(str(root)).create(PASSPHRASE, scrypt_cost=FAST)
    assert not (root / "masterkey.cryptomator").exists()


# -- unlocking ------------------------------------------------------------------------

def test_wrong_passphrase(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    wrong = "Tr0ub4dor & 3 · pässphrasE"
    with pytest.raises(WrongPassphraseError) as info:
        location.unlock(wrong)
    assert str(info.value) == "wrong passphrase"
    assert isinstance(info.value, AuthenticationError)
    assert_exception_clean(info.value, wrong, PASSPHRASE, key)
    with pytest.raises(WrongPassphraseError, match=r"^wrong passphrase$") as info:
        VaultFileSystem(str(root), passphrase=wrong)
    assert_exception_clean(info.value, wrong, PASSPHRASE, key)
    # Right after a wrong try, the right one works (nothing was cached or locked).
    assert location.unlock(PASSPHRASE)[0] == key


def test_passphrase_is_normalised(tmp_path: Path) -> None:
    """Typed in NFD (macOS) or NFC (elsewhere), it is the same passphrase."""
    import unicodedata
    location, key = create(tmp_path / "v", passphrase=unicodedata.normalize("NFD", PASSPHRASE))
    assert location.unlock(unicodedata.normalize("NFC", PASSPHRASE))[0] == key


def test_key_loader_and_masterkey(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    seen: list[VaultLocation] = []

    def loader(loc: VaultLocation) -> str:
        seen.append(loc)
        return PASSPHRASE

    VaultFileSystem(str(root), key_loader=loader).pipe_file("f", b"1")
    assert seen[0].root == location.root
    assert VaultFileSystem(str(root), masterkey=key).cat_file("f") == b"1"
    assert VaultFileSystem(str(root), masterkey=key.raw).cat_file("f") == b"1"
    assert VaultFileSystem(fs=location.fs, root=location.root, masterkey=key).cat_file("f") == \
        b"1"
    with pytest.raises(ValueError, match="passphrase"):
        VaultFileSystem(str(root))
    other = Masterkey.generate()
    with pytest.raises(InvalidSignatureError):
        VaultFileSystem(str(root), masterkey=other)


def test_missing_config(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    (root / "vault.cryptomator").unlink()
    for attempt in (lambda: vault[0].unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(root), passphrase=PASSPHRASE)):
        with pytest.raises(VaultConfigMissingError, match=r"vault\.cryptomator is missing") as e:
            attempt()
        assert isinstance(e.value, VaultNotFoundError)
        assert isinstance(e.value, FileNotFoundError)
        assert_exception_clean(e.value, PASSPHRASE, vault[1])
    assert not vault[0].is_vault()


@pytest.mark.parametrize("exists", [True, False])
def test_not_a_vault(tmp_path: Path, exists: bool) -> None:
    where = tmp_path / "just a folder"
    if exists:
        where.mkdir()
        (where / "notes.txt").write_text("hello")
    location = VaultLocation.from_url(str(where))
    for attempt in (lambda: location.unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(where), passphrase=PASSPHRASE)):
        with pytest.raises(VaultNotFoundError) as e:
            attempt()
        assert type(e.value) is VaultNotFoundError
        assert str(where) in str(e.value)  # names the location
        assert "not a vault" in str(e.value)
        assert_exception_clean(e.value, PASSPHRASE)
    assert not location.is_vault()


def test_missing_masterkey(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    (root / "masterkey.cryptomator").unlink()
    for attempt in (lambda: vault[0].unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(root), passphrase=PASSPHRASE)):
        with pytest.raises(MasterkeyMissingError, match=r"masterkey\.cryptomator is missing") as e:
            attempt()
        assert str(root) in str(e.value)
        assert_exception_clean(e.value, PASSPHRASE, vault[1])
    # The key alone still opens it: the masterkey file only wraps it.
    assert VaultFileSystem(str(root), masterkey=vault[1]).ls("") == []


# -- a damaged vault.cryptomator ----------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_token(key: Masterkey, payload: dict[str, Any], header: dict[str, Any] | None = None,
                 alg: str = "sha256") -> bytes:
    head = header or {"kid": "masterkeyfile:masterkey.cryptomator", "typ": "JWT", "alg": "HS256"}
    signing_input = _b64url(json.dumps(head).encode()) + "." + _b64url(json.dumps(payload).encode())
    sig = hmac.digest(key.raw, signing_input.encode(), alg)
    return (signing_input + "." + _b64url(sig)).encode()


def _payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"jti": "6f1f6d6c-4b6e-4b8e-9f8e-2f6f3b6d5c11", "format": 8,
                            "cipherCombo": "SIV_GCM", "shorteningThreshold": 220}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _truncated(token: bytes, where: str) -> bytes:
    head, payload, _sig = token.split(b".")
    return {"no signature": head + b"." + payload,
            "mid payload": head + b"." + payload[: len(payload) // 2],
            "header only": head,
            "empty": b""}[where]


CORRUPT_CONFIGS: dict[str, tuple[Any, type[Exception], str]] = {
    "binary garbage": (lambda tok, key: os.urandom(64) + b"\xff",
                       FormatError, "not an ASCII JWT"),
    "text garbage": (lambda tok, key: b"this is not a vault config",
                     FormatError, "not a JWT"),
    "json instead of jwt": (lambda tok, key: b'{"format": 8}', FormatError, "not a JWT"),
    "truncated: no signature": (lambda tok, key: _truncated(tok, "no signature"),
                                FormatError, "not a JWT"),
    "truncated: mid payload": (lambda tok, key: _truncated(tok, "mid payload"),
                               FormatError, "not a JWT"),
    "truncated: header only": (lambda tok, key: _truncated(tok, "header only"),
                               FormatError, "not a JWT"),
    "empty file": (lambda tok, key: b"", FormatError, "not a JWT"),
    "payload not json": (lambda tok, key: tok.split(b".")[0] + b".bm90IGpzb24." +
                         tok.split(b".")[2], FormatError, "payload is not valid JSON"),
    "another vault's key": (lambda tok, key: signed_token(Masterkey.generate(), _payload()),
                            InvalidSignatureError, "signature does not match"),
    "payload altered": (lambda tok, key: signed_token(key, _payload()).split(b".")[0] + b"."
                        + _b64url(json.dumps(_payload(cipherCombo="SIV_CTRMAC")).encode())
                        .encode() + b"." + signed_token(key, _payload()).split(b".")[2],
                        InvalidSignatureError, "signature does not match"),
    "format 7": (lambda tok, key: signed_token(key, _payload(format=7)),
                 UnsupportedVaultError, "vault format 7 is not supported"),
    "format 9": (lambda tok, key: signed_token(key, _payload(format=9)),
                 UnsupportedVaultError, "vault format 9 is not supported"),
    "format missing": (lambda tok, key: signed_token(key, _payload(format=None)),
                       UnsupportedVaultError, "vault format None is not supported"),
    "unknown cipher combo": (lambda tok, key: signed_token(key, _payload(cipherCombo="XTS_HMAC")),
                             UnsupportedVaultError, "cipher combo 'XTS_HMAC' is not supported"),
    "alg none": (lambda tok, key: signed_token(
        key, _payload(), {"kid": "masterkeyfile:masterkey.cryptomator", "alg": "none"}),
        UnsupportedVaultError, "signature algorithm 'none'"),
    "hub key": (lambda tok, key: signed_token(
        key, _payload(), {"kid": "hub+https://hub.example.com/vaults/1", "alg": "HS256"}),
        UnsupportedVaultError, "not in a masterkey file"),
    "masterkey outside": (lambda tok, key: signed_token(
        key, _payload(), {"kid": "masterkeyfile:../elsewhere/masterkey.cryptomator",
                          "alg": "HS256"}),
        UnsupportedVaultError, "outside the vault folder"),
    "tiny threshold": (lambda tok, key: signed_token(key, _payload(shorteningThreshold=10)),
                       UnsupportedVaultError, "shorteningThreshold 10"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT_CONFIGS))
def test_corrupt_config(root: Path, vault: tuple[VaultLocation, Masterkey], case: str) -> None:
    make, error, message = CORRUPT_CONFIGS[case]
    config = root / "vault.cryptomator"
    config.write_bytes(make(config.read_bytes(), vault[1]))
    for attempt in (lambda: vault[0].unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(root), passphrase=PASSPHRASE)):
        with pytest.raises(error, match=re.escape(message)) as e:
            attempt()
        assert_exception_clean(e.value, PASSPHRASE, vault[1])


def test_hs384_and_hs512_configs_are_accepted(root: Path,
                                              vault: tuple[VaultLocation, Masterkey]) -> None:
    for alg, digest in (("HS384", "sha384"), ("HS512", "sha512")):
        header = {"kid": "masterkeyfile:masterkey.cryptomator", "typ": "JWT", "alg": alg}
        (root / "vault.cryptomator").write_bytes(signed_token(vault[1], _payload(), header,
                                                              digest))
        assert vault[0].unlock(PASSPHRASE)[1].cipher_combo is CipherCombo.SIV_GCM


def test_format_7_vault_is_named(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    """A format 7 vault has no vault.cryptomator and a masterkey file of version 7."""
    (root / "vault.cryptomator").unlink()
    mk = MasterkeyFile.parse((root / "masterkey.cryptomator").read_bytes())
    old = json.loads((root / "masterkey.cryptomator").read_bytes())
    old["version"] = 7
    old["versionMac"] = base64.b64encode(
        hmac.digest(vault[1].mac_key, (7).to_bytes(4, "big"), "sha256")).decode()
    (root / "masterkey.cryptomator").write_text(json.dumps(old))
    assert mk.scrypt_cost == FAST
    for attempt in (lambda: vault[0].unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(root), passphrase=PASSPHRASE)):
        with pytest.raises(UnsupportedVaultError, match="format 7") as e:
            attempt()
        assert str(root) in str(e.value)
        assert "Cryptomator" in str(e.value)
        assert_exception_clean(e.value, PASSPHRASE, vault[1])
    assert not vault[0].is_vault()


# -- a hostile masterkey.cryptomator ------------------------------------------------------

HOSTILE_SCRYPT = {
    "cost 2**30": {"scryptCostParam": 2**30},
    "cost 2**62": {"scryptCostParam": 2**62},
    "block size 2**20": {"scryptBlockSize": 2**20},
    "cost and block size": {"scryptCostParam": 2**20, "scryptBlockSize": 64},
    "cost not a power of two": {"scryptCostParam": 30000},
    "cost zero": {"scryptCostParam": 0},
    "cost negative": {"scryptCostParam": -32768},
    "cost as text": {"scryptCostParam": "32768"},
    "cost as float": {"scryptCostParam": 32768.0},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SCRYPT))
def test_hostile_masterkey_fails_fast(root: Path, vault: tuple[VaultLocation, Masterkey],
                                      case: str) -> None:
    path = root / "masterkey.cryptomator"
    mk = json.loads(path.read_bytes())
    mk.update(HOSTILE_SCRYPT[case])
    path.write_text(json.dumps(mk))
    for attempt in (lambda: vault[0].unlock(PASSPHRASE),
                    lambda: VaultFileSystem(str(root), passphrase=PASSPHRASE),
                    lambda: vault[0].change_passphrase(PASSPHRASE, NEW_PASSPHRASE)):
        started = time.perf_counter()
        with pytest.raises(FormatError, match=r"scrypt|masterkey file") as e:
            attempt()
        assert time.perf_counter() - started < 1.0
        assert_exception_clean(e.value, PASSPHRASE, vault[1])
    assert not list(root.glob("*.bkup"))


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"version": 999}',
                                     b'{"scryptSalt": 1}'])
def test_malformed_masterkey_file(root: Path, vault: tuple[VaultLocation, Masterkey],
                                  content: bytes) -> None:
    (root / "masterkey.cryptomator").write_bytes(content)
    with pytest.raises(FormatError, match="masterkey file"):
        vault[0].unlock(PASSPHRASE)


def test_altered_version_mac(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    path = root / "masterkey.cryptomator"
    mk = json.loads(path.read_bytes())
    mk["version"] = 998
    path.write_text(json.dumps(mk))
    with pytest.raises(FormatError, match="version MAC"):
        vault[0].unlock(PASSPHRASE)


# -- recovery -------------------------------------------------------------------------

@pytest.mark.parametrize("combo", list(CipherCombo))
def test_restore_config_detects_the_cipher_combo(tmp_path: Path, combo: CipherCombo) -> None:
    root = tmp_path / "vault"
    location, key = create(root, combo)
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    old_config = location.unlock(PASSPHRASE)[1]
    (root / "vault.cryptomator").unlink()
    with pytest.raises(VaultConfigMissingError):
        VaultFileSystem(str(root), passphrase=PASSPHRASE)
    words = encode_recovery_key(key)
    location.restore_config(decode_recovery_key(words))
    config = location.unlock(PASSPHRASE)[1]
    assert config.cipher_combo is combo
    assert config.shortening_threshold == old_config.shortening_threshold
    assert_readable(VaultFileSystem(str(root), passphrase=PASSPHRASE), files)
    assert not leftovers(root)


@pytest.mark.parametrize("combo", list(CipherCombo))
def test_restore_config_without_dir_id_backups(tmp_path: Path, combo: CipherCombo) -> None:
    """dirid.c9r is optional (older vaults have none): the combo comes from other files."""
    root = tmp_path / "vault"
    location, key = create(root, combo)
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    (root / "vault.cryptomator").unlink()
    for backup in root.glob("d/*/*/dirid.c9r"):
        backup.unlink()
    location.restore_config(key)
    assert location.unlock(PASSPHRASE)[1].cipher_combo is combo
    assert_readable(VaultFileSystem(str(root), passphrase=PASSPHRASE), files)


def test_restore_config_when_nothing_decrypts(root: Path,
                                              vault: tuple[VaultLocation, Masterkey]) -> None:
    (root / "vault.cryptomator").unlink()
    (backup,) = root.glob("d/*/*/dirid.c9r")
    backup.write_bytes(os.urandom(68))
    with pytest.raises(FormatError, match="no file in the vault decrypts with this key"):
        vault[0].restore_config(vault[1])
    assert not (root / "vault.cryptomator").exists()


def test_restore_config_with_the_passphrase_key(root: Path,
                                                vault: tuple[VaultLocation, Masterkey]) -> None:
    """Cryptomator restores a lost config with the passphrase too: unwrap, then sign."""
    (root / "vault.cryptomator").unlink()
    key = MasterkeyFile.parse((root / "masterkey.cryptomator").read_bytes()).unlock(PASSPHRASE)
    vault[0].restore_config(key)
    assert VaultFileSystem(str(root), passphrase=PASSPHRASE).ls("") == []


def test_restore_config_with_a_wrong_key(root: Path,
                                         vault: tuple[VaultLocation, Masterkey]) -> None:
    (root / "vault.cryptomator").unlink()
    with pytest.raises(VaultError) as e:
        vault[0].restore_config(Masterkey.generate())
    assert "this key" in str(e.value)
    assert not (root / "vault.cryptomator").exists()


def test_restore_masterkey_file(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    (root / "masterkey.cryptomator").unlink()
    with pytest.raises(MasterkeyMissingError):
        VaultFileSystem(str(root), passphrase=PASSPHRASE)
    restored = location.restore_masterkey_file(encode_recovery_key(key), NEW_PASSPHRASE,
                                               scrypt_cost=FAST)
    assert restored == key
    assert_readable(VaultFileSystem(str(root), passphrase=NEW_PASSPHRASE), files)
    with pytest.raises(WrongPassphraseError):
        location.unlock(PASSPHRASE)
    assert not leftovers(root)


def test_restore_masterkey_file_refuses_another_vaults_key(
        root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    (root / "masterkey.cryptomator").unlink()
    with pytest.raises(InvalidSignatureError):
        vault[0].restore_masterkey_file(encode_recovery_key(Masterkey.generate()),
                                        NEW_PASSPHRASE, scrypt_cost=FAST)
    assert not (root / "masterkey.cryptomator").exists()


def test_restore_both_files_from_the_recovery_key(root: Path,
                                                  vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    (root / "masterkey.cryptomator").unlink()
    (root / "vault.cryptomator").unlink()
    assert not location.is_vault()
    words = encode_recovery_key(key)
    location.restore_masterkey_file(words, NEW_PASSPHRASE, scrypt_cost=FAST)
    location.restore_config(decode_recovery_key(words))
    assert_readable(VaultFileSystem(str(root), passphrase=NEW_PASSPHRASE), files)


def test_reset_passphrase_with_the_recovery_key(root: Path,
                                                vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    old_masterkey = (root / "masterkey.cryptomator").read_bytes()
    backup = location.reset_passphrase(encode_recovery_key(key), NEW_PASSPHRASE,
                                       scrypt_cost=FAST)
    assert backup is not None
    assert Path(backup).read_bytes() == old_masterkey
    assert_readable(VaultFileSystem(str(root), passphrase=NEW_PASSPHRASE), files)
    with pytest.raises(WrongPassphraseError):
        location.unlock(PASSPHRASE)
    assert not leftovers(root)


def test_reset_passphrase_refuses_another_vaults_key(
        root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    before = storage_files(root)
    with pytest.raises(InvalidSignatureError):
        vault[0].reset_passphrase(encode_recovery_key(Masterkey.generate()), NEW_PASSPHRASE,
                                  scrypt_cost=FAST)
    assert storage_files(root) == before


def test_recovery_key_errors_do_not_echo_words(tmp_path: Path) -> None:
    """The same mistakes in the keys of two vaults give the same messages: nothing of
    the words the user typed shows up in them."""
    messages: list[list[str]] = []
    for seed in (b"first", b"second"):
        key = Masterkey.from_raw(hashlib.sha512(seed).digest())  # fixed: no flaky collisions
        (tmp_path / seed.decode()).mkdir()
        location = VaultLocation.from_url(str(tmp_path / seed.decode()))
        location.create(PASSPHRASE, scrypt_cost=FAST, masterkey=key)
        words = encode_recovery_key(key).split()
        assert words[0] != words[1]
        cases = [
            (" ".join([*words[:5], "notaword", *words[6:]]), "word 6"),
            (" ".join(words[:-1]), "44 words; this one has 43"),
            (" ".join([words[1], words[0], *words[2:]]), "check bytes"),
        ]
        messages.append([])
        for text, message in cases:
            with pytest.raises(RecoveryKeyError, match=message) as e:
                location.reset_passphrase(text, NEW_PASSPHRASE, scrypt_cost=FAST)
            assert_exception_clean(e.value, key, NEW_PASSPHRASE)
            assert "notaword" not in str(e.value)
            messages[-1].append(str(e.value))
    assert messages[0] == messages[1]


# -- changing the passphrase ---------------------------------------------------------

def test_change_passphrase(root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    files = populate(VaultFileSystem(str(root), passphrase=PASSPHRASE))
    before = storage_files(root)
    backup = location.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    after = storage_files(root)
    # Only the masterkey file changed, and a backup of the old one appeared.
    assert backup is not None
    name = Path(backup).name
    assert re.fullmatch(r"masterkey\.cryptomator\.[0-9A-F]{8}\.bkup", name)
    assert after.pop(name) == before["masterkey.cryptomator"]
    assert after.pop("masterkey.cryptomator") != before.pop("masterkey.cryptomator")
    assert after == before  # byte-identical ciphertext and config
    with pytest.raises(WrongPassphraseError):
        location.unlock(PASSPHRASE)
    assert location.unlock(NEW_PASSPHRASE)[0] == key
    assert_readable(VaultFileSystem(str(root), passphrase=NEW_PASSPHRASE), files)
    # The backup still opens with the old passphrase and keeps the scrypt cost.
    old = MasterkeyFile.parse(Path(backup).read_bytes())
    assert old.unlock(PASSPHRASE) == key
    new = MasterkeyFile.parse((root / "masterkey.cryptomator").read_bytes())
    assert (new.scrypt_cost, new.scrypt_block_size) == (old.scrypt_cost, old.scrypt_block_size)
    assert new.scrypt_salt != old.scrypt_salt
    assert not leftovers(root)


def test_change_passphrase_twice_keeps_both_backups(
        root: Path, vault: tuple[VaultLocation, Masterkey]) -> None:
    first = vault[0].change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    second = vault[0].change_passphrase(NEW_PASSPHRASE, "third")
    assert first != second
    assert len(list(root.glob("masterkey.cryptomator.*.bkup"))) == 2


def test_change_passphrase_with_the_wrong_one(root: Path,
                                              vault: tuple[VaultLocation, Masterkey]) -> None:
    before = storage_files(root)
    wrong = "not it"
    with pytest.raises(WrongPassphraseError) as e:
        vault[0].change_passphrase(wrong, NEW_PASSPHRASE)
    assert_exception_clean(e.value, wrong, NEW_PASSPHRASE, PASSPHRASE, vault[1])
    assert storage_files(root) == before


def test_change_passphrase_checks_the_config(root: Path,
                                             vault: tuple[VaultLocation, Masterkey]) -> None:
    """A masterkey file that is not this vault's (config signed by another key) is refused."""
    (root / "vault.cryptomator").write_bytes(signed_token(Masterkey.generate(), _payload()))
    before = storage_files(root)
    with pytest.raises(InvalidSignatureError):
        vault[0].change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    assert storage_files(root) == before


# -- SIV_CTRMAC ---------------------------------------------------------------------------

def ctrmac_size(n: int) -> int:
    full, rest = divmod(n, CHUNK)
    return 88 + full * (CHUNK + 48) + (rest + 48 if rest else 0)


def test_ctrmac_vault(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    location, _ = create(root, CipherCombo.SIV_CTRMAC)
    assert location.unlock(PASSPHRASE)[1].cipher_combo is CipherCombo.SIV_CTRMAC
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    sizes = (*SIZES, 3 * CHUNK + 7)
    for n in sizes:
        fs.pipe_file(f"{n}.bin", data_of(n))
    (root_backup,) = root.glob("d/*/*/dirid.c9r")
    assert root_backup.stat().st_size == 88
    for n in sizes:
        assert fs.cat_file(f"{n}.bin") == data_of(n)
        assert fs.info(f"{n}.bin")["size"] == n
        (stored,) = fs.ciphertext_paths(f"{n}.bin")
        assert os.path.getsize(stored) == ctrmac_size(n) == ciphertext_size(
            n, CipherCombo.SIV_CTRMAC)
    assert ctrmac_size(0) == 88
    assert ctrmac_size(1) == 137
    big = data_of(3 * CHUNK + 7)
    for start, end in ((CHUNK - 1, CHUNK + 1), (CHUNK, 2 * CHUNK), (5, 3 * CHUNK + 7),
                       (2 * CHUNK + 100, None), (-3, None)):
        assert fs.cat_file(f"{3 * CHUNK + 7}.bin", start=start, end=end) == big[start:end]
    fs.makedirs("sub/dir")
    fs.mv(f"{CHUNK}.bin", "sub/dir/moved.bin")
    fs.symlink("target", "sub/link")
    reopened = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    assert reopened.cat_file("sub/dir/moved.bin") == data_of(CHUNK)
    assert reopened.readlink("sub/link") == "target"


def test_ctrmac_file_tampering_is_detected(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    create(root, CipherCombo.SIV_CTRMAC)
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    fs.pipe_file("f", data_of(CHUNK + 1))
    (stored,) = fs.ciphertext_paths("f")
    raw = bytearray(Path(stored).read_bytes())
    raw[100] ^= 1
    Path(stored).write_bytes(bytes(raw))
    with pytest.raises(AuthenticationError):
        fs.cat_file("f")


# -- secrets outside errors -------------------------------------------------------------

def test_no_secrets_in_the_filesystem_object(root: Path,
                                             vault: tuple[VaultLocation, Masterkey]) -> None:
    location, key = vault
    instances = {
        "passphrase": VaultFileSystem(str(root), passphrase=PASSPHRASE),
        "key": VaultFileSystem(str(root), masterkey=key),
        "raw key": VaultFileSystem(str(root), masterkey=key.raw),
        "loader": VaultFileSystem(str(root), key_loader=lambda loc: PASSPHRASE),
        "fs and root": VaultFileSystem(fs=location.fs, root=location.root, masterkey=key),
    }
    for fs in instances.values():
        texts = [repr(fs), str(fs.storage_options), repr(fs.storage_args), fs.to_json(),
                 json.dumps(fs.to_dict(), default=repr), repr(fs.cryptor),
                 repr(fs.cryptor.content), repr(fs.cryptor.names), repr(fs.mapper),
                 repr(fs.location)]
        assert_no_secret("\n".join(texts), PASSPHRASE, key)
        assert not set(fs.storage_options) & {"passphrase", "masterkey", "key_loader"}
        with pytest.warns(KeyInProcessWarning):
            blob = pickle.dumps(fs)
        assert_no_secret(repr(blob), PASSPHRASE, key)
        assert key.raw not in blob and PASSPHRASE.encode() not in blob
        with pytest.raises(TypeError):
            pickle.dumps(key)


def test_fs_token_is_not_a_hash_of_the_passphrase(root: Path) -> None:
    """fsspec's own token is an MD5 of every constructor argument, and hash(fs) shows it:
    a fast hash of the passphrase would bypass scrypt for anyone who sees it."""
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    md5_of_arguments = tokenize(VaultFileSystem, os.getpid(), threading.get_ident(), str(root),
                                passphrase=PASSPHRASE)
    assert fs._fs_token != md5_of_arguments
    assert PASSPHRASE not in repr(vars(fs))
    assert hash(fs) == hash(fs)
    assert fs == fs
    # Named by where the vault is and which vault it is, so Dask's names are deterministic.
    assert fs == VaultFileSystem(str(root), passphrase=PASSPHRASE)
    assert fs != VaultFileSystem(str(root), passphrase=PASSPHRASE, auto_mkdir=False)


def test_filesystem_is_not_cached(root: Path) -> None:
    a = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    b = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    assert a is not b
    assert not VaultFileSystem._cache


# -- atomic writes ----------------------------------------------------------------------

def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    location = VaultLocation.from_url(str(tmp_path))
    path = str(tmp_path / "f")
    write_atomic(location.fs, path, b"old" * 1000)
    write_atomic(location.fs, path, b"new" * 200_000)
    assert (tmp_path / "f").read_bytes() == b"new" * 200_000
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    location = VaultLocation.from_url(str(tmp_path))
    path = str(tmp_path / "f")
    write_atomic(location.fs, path, b"old")

    def broken_mv(*args: Any, **kwargs: Any) -> None:
        raise OSError("storage went away")

    monkeypatch.setattr(location.fs, "mv", broken_mv)
    with pytest.raises(OSError, match="went away"):
        write_atomic(location.fs, path, b"new")
    assert (tmp_path / "f").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_failed_passphrase_change_keeps_the_vault_usable(
        root: Path, vault: tuple[VaultLocation, Masterkey],
        monkeypatch: pytest.MonkeyPatch) -> None:
    location = vault[0]
    before = (root / "masterkey.cryptomator").read_bytes()
    real_mv = location.fs.mv

    def mv(src: str, dst: str, *args: Any, **kwargs: Any) -> None:
        if dst.endswith("masterkey.cryptomator"):
            raise OSError("storage went away")
        real_mv(src, dst, *args, **kwargs)

    monkeypatch.setattr(location.fs, "mv", mv)
    with pytest.raises(OSError, match="went away"):
        location.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    monkeypatch.undo()
    assert (root / "masterkey.cryptomator").read_bytes() == before
    assert location.unlock(PASSPHRASE)[0] == vault[1]
    assert not leftovers(root)


def test_interrupted_file_write_publishes_nothing(root: Path) -> None:
    fs = VaultFileSystem(str(root), passphrase=PASSPHRASE)
    fs.pipe_file("f", b"complete")
    with pytest.raises(RuntimeError), fs.open("f", "wb") as f:
        f.write(b"x" * (CHUNK + 1))
        raise RuntimeError("interrupted")
    assert fs.cat_file("f") == b"complete"
    with pytest.raises(RuntimeError), fs.open("new", "wb") as f:
        f.write(b"partial")
        raise RuntimeError("interrupted")
    assert not fs.exists("new")
    assert not leftovers(root)
