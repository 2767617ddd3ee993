"""Sealing blocks of a local scratch file under a key that lives only in memory."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vaultui.crypto.errors import AuthenticationError

SCRATCH_NONCE_BYTES = 12
SCRATCH_TAG_BYTES = 16
#: What sealing adds to each block.
SCRATCH_OVERHEAD = SCRATCH_NONCE_BYTES + SCRATCH_TAG_BYTES


class ScratchSealer:
    """AES-GCM under a random key made for one scratch file and never written anywhere.

    A mounted vault buffers files that programs are writing in a local temporary file
    (see vaultui/mount/spool.py); the disk must never see their cleartext. Each block gets
    a fresh random nonce, so rewriting a block never reuses one, and its index is the
    associated data, so blocks cannot be swapped unnoticed.
    """

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def __repr__(self) -> str:
        return "ScratchSealer()"

    def __reduce__(self) -> str:
        raise TypeError("a ScratchSealer holds a key and cannot be pickled")

    def seal(self, index: int, block: bytes) -> bytes:
        nonce = os.urandom(SCRATCH_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, block, index.to_bytes(8, "big"))

    def open(self, index: int, sealed: bytes) -> bytes:
        nonce, body = sealed[:SCRATCH_NONCE_BYTES], sealed[SCRATCH_NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, body, index.to_bytes(8, "big"))
        except (InvalidTag, ValueError):
            raise AuthenticationError("a block of the local scratch file was altered") from None
