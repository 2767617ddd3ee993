"""The vault's 512-bit master key: an AES encryption key and a MAC key."""

from __future__ import annotations

# hmac is imported where it is used: a one-file encrypt pays for every import at start-up.
import os
from collections.abc import Callable

from vaultui.crypto.constants import KEY_LENGTH, RAW_MASTERKEY_LENGTH
from vaultui.crypto.errors import FormatError

RandomBytes = Callable[[int], bytes]


class Masterkey:
    """An unlocked vault key (encryption key ‖ MAC key).

    The repr never shows key material, so a key that ends up in a log, a traceback or a
    debugger print shows only that it exists.
    """

    __slots__ = ("_enc", "_mac")

    def __init__(self, enc_key: bytes, mac_key: bytes) -> None:
        if len(enc_key) != KEY_LENGTH or len(mac_key) != KEY_LENGTH:
            raise FormatError("a master key is two 32-byte keys")
        self._enc = bytes(enc_key)
        self._mac = bytes(mac_key)

    @classmethod
    def generate(cls, randbytes: RandomBytes = os.urandom) -> Masterkey:
        """A fresh random key from the OS's CSPRNG (injectable for known-answer tests)."""
        raw = randbytes(RAW_MASTERKEY_LENGTH)
        return cls(raw[:KEY_LENGTH], raw[KEY_LENGTH:])

    @classmethod
    def from_raw(cls, raw: bytes) -> Masterkey:
        """The key from its 64-byte raw form (encryption key first, as Cryptomator does)."""
        if len(raw) != RAW_MASTERKEY_LENGTH:
            raise FormatError(f"a raw master key is {RAW_MASTERKEY_LENGTH} bytes, got {len(raw)}")
        return cls(raw[:KEY_LENGTH], raw[KEY_LENGTH:])

    @property
    def enc_key(self) -> bytes:
        return self._enc

    @property
    def mac_key(self) -> bytes:
        return self._mac

    @property
    def raw(self) -> bytes:
        """Encryption key ‖ MAC key: what signs vault.cryptomator and what recovery keys encode."""
        return self._enc + self._mac

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Masterkey):
            return NotImplemented
        import hmac
        return hmac.compare_digest(self.raw, other.raw)

    def __hash__(self) -> int:
        # Keys are compared, not hashed: hashing would leak a stable function of the key.
        raise TypeError("Masterkey is not hashable")

    def __repr__(self) -> str:
        return "Masterkey(<redacted>)"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the key to wherever the pickle goes (caches, worker queues).
        raise TypeError("a Masterkey cannot be pickled")
