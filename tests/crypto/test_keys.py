"""Key hygiene: redacted reprs, no pickling, constant-time comparison."""

from __future__ import annotations

import base64
import hmac
import io
import pickle

import pytest

from tests.crypto.helpers import DeterministicRandom, fixed_key
from vaultui.crypto import (
    CipherCombo,
    DecryptingReader,
    EncryptingWriter,
    FormatError,
    Masterkey,
    MasterkeyFile,
    NameCipher,
    VaultConfig,
    VaultCryptor,
    content_cipher,
    new_vault_files,
)

KEY = fixed_key()


def forms(secret: bytes) -> set[str]:
    """Ways a secret could show up in text."""
    b64 = base64.b64encode(secret).decode()
    url = base64.urlsafe_b64encode(secret).decode()
    return {secret.hex(), secret.hex().upper(), b64, url, b64.rstrip("="), url.rstrip("="),
            repr(secret), secret.hex()[:8], secret.hex()[:8].upper(), b64[:8], url[:8],
            str(list(secret[:4]))[1:-1]}


def assert_redacted(obj: object, *secrets: bytes) -> None:
    for text in (repr(obj), str(obj), f"{obj}", f"{obj!r}"):
        for secret in secrets:
            for form in forms(secret):
                assert form not in text, f"{type(obj).__name__} shows a secret: {text}"


def key_secrets(key: Masterkey) -> tuple[bytes, ...]:
    return key.enc_key, key.mac_key, key.raw


def test_masterkey_repr() -> None:
    assert repr(KEY) == "Masterkey(<redacted>)"
    assert_redacted(KEY, *key_secrets(KEY))


def test_masterkey_file_repr() -> None:
    mk = MasterkeyFile.wrap(KEY, "pw", scrypt_cost=1024)
    assert_redacted(mk, *key_secrets(KEY), mk.wrapped_enc_key, mk.wrapped_mac_key,
                    mk.version_mac, mk.scrypt_salt)


@pytest.mark.parametrize("combo", list(CipherCombo))
def test_content_objects_repr(combo: CipherCombo) -> None:
    cipher = content_cipher(combo, KEY)
    header = cipher.new_header()
    assert_redacted(cipher, *key_secrets(KEY))
    assert_redacted(header, *key_secrets(KEY), header.content_key)
    writer = EncryptingWriter(io.BytesIO(), cipher, header)
    assert_redacted(writer, *key_secrets(KEY), header.content_key)
    out = io.BytesIO()
    with EncryptingWriter(out, cipher, header) as w:
        w.write(b"data")
    reader = DecryptingReader(io.BytesIO(out.getvalue()), cipher)
    assert_redacted(reader, *key_secrets(KEY), header.content_key)
    writer.close()


def test_name_cipher_and_cryptor_repr() -> None:
    assert_redacted(NameCipher(KEY), *key_secrets(KEY))
    cryptor = VaultCryptor(KEY, VaultConfig.new())
    assert_redacted(cryptor, *key_secrets(KEY))
    assert "SIV_GCM" in repr(cryptor)


def test_new_vault_files_repr() -> None:
    files = new_vault_files("pw", scrypt_cost=1024)
    assert_redacted(files, *key_secrets(files.masterkey))


def test_exception_messages_do_not_carry_keys() -> None:
    with pytest.raises(FormatError) as info:
        Masterkey.from_raw(KEY.raw + b"\x00")
    assert_redacted(info.value, *key_secrets(KEY))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_masterkey_is_not_picklable(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(KEY, protocol)


@pytest.mark.parametrize(
    "make",
    [
        lambda: NameCipher(KEY),
        lambda: content_cipher(CipherCombo.SIV_GCM, KEY),
        lambda: content_cipher(CipherCombo.SIV_CTRMAC, KEY),
        lambda: VaultCryptor(KEY, VaultConfig.new()),
        lambda: new_vault_files("pw", scrypt_cost=1024),
    ],
    ids=["NameCipher", "GcmContentCipher", "CtrMacContentCipher", "VaultCryptor",
         "NewVaultFiles"],
)
def test_objects_holding_the_key_are_not_picklable(make: object) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(make())  # type: ignore[operator]


@pytest.mark.parametrize("combo", list(CipherCombo))
def test_file_header_is_not_picklable(combo: CipherCombo) -> None:
    """Regression: a SIV_CTRMAC header pickled with its content key in the clear (the GCM one
    refused only because its AESGCM object happens not to pickle)."""
    header = content_cipher(combo, KEY).new_header()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(header)


def test_masterkey_file_is_picklable() -> None:
    """It holds only wrapped keys: safe to hand to a worker process."""
    mk = MasterkeyFile.wrap(KEY, "pw", scrypt_cost=1024)
    assert pickle.loads(pickle.dumps(mk)) == mk


def test_masterkey_equality_uses_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    key, same, other = fixed_key(), Masterkey.from_raw(KEY.raw), fixed_key("other")
    assert key == same
    assert key != other
    assert calls == [(key.raw, same.raw), (key.raw, other.raw)]


def test_masterkey_equality_semantics() -> None:
    key = fixed_key()
    assert key == Masterkey(key.enc_key, key.mac_key)
    assert key != Masterkey(key.mac_key, key.enc_key)  # the order of the halves matters
    assert key != key.raw and key.raw != key
    with pytest.raises(TypeError):
        hash(KEY)
    with pytest.raises(TypeError):
        {KEY}  # noqa: B018


def test_masterkey_construction() -> None:
    assert KEY.raw == KEY.enc_key + KEY.mac_key and len(KEY.raw) == 64
    assert Masterkey.from_raw(KEY.raw) == KEY
    rng = DeterministicRandom("gen")
    key = Masterkey.generate(rng)
    assert rng.calls == [64]
    assert key.raw == DeterministicRandom("gen")(64)
    for enc, mac in ((b"", b""), (b"a" * 31, b"b" * 32), (b"a" * 32, b"b" * 33)):
        with pytest.raises(FormatError):
            Masterkey(enc, mac)
    for raw in (b"", b"x" * 63, b"x" * 65):
        with pytest.raises(FormatError):
            Masterkey.from_raw(raw)


def test_generated_keys_differ() -> None:
    assert Masterkey.generate() != Masterkey.generate()
