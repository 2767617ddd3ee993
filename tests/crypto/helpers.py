"""Shared helpers for the format tests: deterministic randomness, oracles, fake streams."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import warnings
from collections.abc import Iterator
from importlib import resources
from typing import Any

from pycryptomator.cryptomator import Vault
from pycryptomator.wordscodec import Wordscodec

from vaultui.crypto import CipherCombo, Masterkey

COMBOS = list(CipherCombo)
CHUNK = 32 * 1024


class DeterministicRandom:
    """A `randbytes` stand-in: SHAKE-256(label ‖ counter), so vectors are reproducible.

    Every call returns fresh bytes (a counter is mixed in), so two nonces never repeat,
    but a new instance with the same label replays the same sequence.
    """

    def __init__(self, label: str) -> None:
        self._label = label.encode()
        self._counter = 0
        self.calls: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.calls.append(n)
        self._counter += 1
        seed = self._label + b"\x00" + self._counter.to_bytes(8, "big")
        return hashlib.shake_256(seed).digest(n)


def fixed_key(label: str = "test key") -> Masterkey:
    return Masterkey.generate(DeterministicRandom(label))


def pattern(n: int, seed: int = 0) -> bytes:
    """n bytes of reproducible, non-repeating-per-chunk cleartext."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha512(seed.to_bytes(8, "big") + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


def flip(data: bytes, pos: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[pos] ^= 1 << bit
    return bytes(b)


class Pipe:
    """A non-seekable source with short reads, like a socket or a subprocess pipe."""

    def __init__(self, data: bytes, max_read: int = 1000) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._max_read = max_read

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self._data)
        size = min(size, self._max_read)
        out = bytes(self._data[self._pos:self._pos + size])
        self._pos += len(out)
        return out


class Sink:
    """A writable that keeps only a byte count (and optionally a hash)."""

    def __init__(self) -> None:
        self.count = 0
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.count += len(data)
        self.sha.update(data)
        return len(data)


# --- pycryptomator as an oracle -------------------------------------------------------

@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Around pycryptomator calls: it prints progress and leaves files for the GC to close,
    which our `filterwarnings = error` would otherwise turn into failures."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", ResourceWarning)
        yield


def oracle_vault(key: Masterkey) -> Vault:
    """A pycryptomator Vault holding `key`, without a vault on disk.

    Its name and directory-id functions only read `.pk` (encryption key) and `.hk`
    (MAC key), so a bare instance is enough to cross-check names.
    """
    vault = Vault.__new__(Vault)
    vault.pk = key.enc_key
    vault.hk = key.mac_key
    vault.shorteningThreshold = 220
    return vault


def oracle_wordscodec() -> Wordscodec:
    path = resources.files("pycryptomator").joinpath("4096words_en.txt")
    with quiet():
        return Wordscodec(str(path))


# --- building vault configs independently of VaultConfig.to_token ---------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(header: Any, payload: Any, key: bytes, alg: str = "HS256") -> bytes:
    """A JWT over arbitrary header/payload JSON, signed with HMAC-`alg` over `key`."""
    signing_input = (b64url(json.dumps(header).encode()) + "."
                     + b64url(json.dumps(payload).encode()))
    digest = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}.get(alg, "sha256")
    sig = hmac.digest(key, signing_input.encode(), digest)
    return (signing_input + "." + b64url(sig)).encode()


def good_header() -> dict[str, Any]:
    return {"kid": "masterkeyfile:masterkey.cryptomator", "typ": "JWT", "alg": "HS256"}


def good_payload(**overrides: Any) -> dict[str, Any]:
    payload = {"jti": "4b2e3c1a-0000-4000-8000-000000000000", "format": 8,
               "cipherCombo": "SIV_GCM", "shorteningThreshold": 220}
    payload.update(overrides)
    return payload
