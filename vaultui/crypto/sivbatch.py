"""AES-SIV (RFC 5297) decryption of many equally long messages under one associated data.

`cryptography`'s AESSIV sets up both AES keys for every call, about a microsecond: most
of the cost of decrypting a short file name. A listing decrypts every name of a folder
with the same associated data (the folder's id), so here the work is done a group of
equally long ciphertexts at a time, each step for the whole group at once: one AES-ECB
call per CTR keystream block and per CMAC block position, and the XORs as one big
integer operation. Only decryption; the answers are checked against AESSIV in the tests.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

BLOCK = 16
_MASK = (1 << 128) - 1
_ZERO = bytes(BLOCK)
# RFC 5297 §2.5: bits 63 and 31 of the SIV are cleared to make the CTR counter, the top
# bits of bytes 8 and 12 of the block.
_CLEAR_TOP_BIT = bytes(b & 0x7F for b in range(256))


def _dbl(x: int) -> int:
    """Doubling in GF(2^128), RFC 5297 §2.3."""
    return ((x << 1) & _MASK) ^ (0x87 if x >> 127 else 0)


def _ecb(key: bytes) -> CipherContext:
    # ECB over counter blocks and CMAC chaining values only, never over a message.
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305


class SivBatch:
    """Decrypts groups of AES-SIV ciphertexts sharing one associated data.

    `key` is the 64-byte AES-SIV key: S2V (CMAC) key, then CTR key. One instance serves
    any number of threads: the AES contexts are made per call.
    """

    def __init__(self, key: bytes, associated: bytes) -> None:
        if len(key) != 2 * 32:
            raise ValueError("AES-SIV-512 takes a 64-byte key")
        self._mac_key, self._ctr_key = key[:32], key[32:]
        mac = _ecb(self._mac_key)
        self._k1 = _dbl(int.from_bytes(mac.update(_ZERO), "big"))
        self._k2 = _dbl(self._k1)
        # S2V with one associated data: D = dbl(CMAC(zero)) xor CMAC(associated).
        cmac_zero = int.from_bytes(mac.update(self._k1.to_bytes(BLOCK, "big")), "big")
        self._d = _dbl(cmac_zero) ^ int.from_bytes(self._cmac(associated), "big")

    def __repr__(self) -> str:
        return "SivBatch(<redacted>)"

    def _cmac(self, data: bytes) -> bytes:
        c = CMAC(algorithms.AES(self._mac_key))
        c.update(data)
        return c.finalize()

    def decrypt(self, sealed: Sequence[bytes]) -> list[bytes | None]:
        """The plaintexts of `sealed` (each SIV ‖ ciphertext, all of one length above 16
        bytes), in order; None for each one whose SIV does not authenticate it."""
        k = len(sealed)
        if not k:
            return []
        n = len(sealed[0]) - BLOCK
        if n <= 0 or any(len(s) != n + BLOCK for s in sealed):
            raise ValueError("a batch holds ciphertexts of one length, above 16 bytes")
        # Rows of whole blocks: each ciphertext zero-padded to `width`.
        width = -(-n // BLOCK) * BLOCK
        pad = bytes(width - n)
        tags = b"".join([s[:BLOCK] for s in sealed])
        padded = b"".join([s[BLOCK:] + pad for s in sealed] if pad else
                          [s[BLOCK:] for s in sealed])
        keep = int.from_bytes((b"\xff" * n + pad) * k, "big")
        plain = (int.from_bytes(padded, "big") ^ self._keystream(tags, k, width)) & keep
        rows = plain.to_bytes(k * width, "big")
        ok = self._authentic(self._s2v(plain, k, n, width), tags, k)
        return [rows[i * width:i * width + n] if ok[i] else None for i in range(k)]

    def _keystream(self, tags: bytes, k: int, width: int) -> int:
        """AES-CTR keystream, `width` bytes per row, each row's counter its SIV with bits
        63 and 31 cleared."""
        counter = bytearray(tags)
        for at in (8, 12):
            counter[at::BLOCK] = counter[at::BLOCK].translate(_CLEAR_TOP_BIT)
        blocks = width // BLOCK
        if blocks > 1:
            counter = _spread(counter, blocks)
        # The low 32 bits of every counter start below 2^31, so adding j < 2^31 to the
        # j-th block of a row never carries into another block: one addition for all.
        steps = b"".join(j.to_bytes(BLOCK, "big") for j in range(blocks)) * k
        first = int.from_bytes(counter, "big") + int.from_bytes(steps, "big")
        stream = _ecb(self._ctr_key).update(first.to_bytes(k * width, "big"))
        return int.from_bytes(stream, "big")

    def _s2v(self, plain: int, k: int, n: int, width: int) -> bytes:
        """S2V (RFC 5297 §2.4) under the one associated data of k rows of n plaintext
        bytes, zero-padded to `width`."""
        pattern = bytearray(width)
        if n >= BLOCK:
            # T = P xorend D, then CMAC: padded with 10* and K2 if incomplete, else K1.
            pattern[n - BLOCK:n] = self._d.to_bytes(BLOCK, "big")
            last = self._k1 if n == width else self._k2
            if n < width:
                pattern[n] = 0x80
        else:
            # T = dbl(D) xor pad(P): one complete block, so CMAC adds K1.
            pattern[:] = _dbl(self._d).to_bytes(BLOCK, "big")
            pattern[n] ^= 0x80
            last = self._k1
        end = int.from_bytes(pattern[-BLOCK:], "big") ^ last
        pattern[-BLOCK:] = end.to_bytes(BLOCK, "big")
        message = (plain ^ int.from_bytes(pattern * k, "big")).to_bytes(k * width, "big")
        blocks = width // BLOCK
        mac = _ecb(self._mac_key)
        chained = 0
        for j in range(blocks):
            column = message if blocks == 1 else _gather(message, j, blocks)
            chained = int.from_bytes(mac.update(
                (chained ^ int.from_bytes(column, "big")).to_bytes(k * BLOCK, "big")), "big")
        return chained.to_bytes(k * BLOCK, "big")

    @staticmethod
    def _authentic(computed: bytes, tags: bytes, k: int) -> list[bool]:
        # Constant time, as AESSIV compares: a whole group at once, row by row only
        # when something in it is forged.
        if hmac.compare_digest(computed, tags):
            return [True] * k
        return [hmac.compare_digest(computed[i * BLOCK:(i + 1) * BLOCK],
                                    tags[i * BLOCK:(i + 1) * BLOCK]) for i in range(k)]


# Blocks moved as two 8-byte units each, so a strided copy moves a block in two steps.

def _spread(blocks: bytes | bytearray, times: int) -> bytearray:
    """Each 16-byte block repeated `times` times in a row."""
    out = bytearray(len(blocks) * times)
    dst, src = memoryview(out).cast("Q"), memoryview(blocks).cast("Q")
    for j in range(times):
        dst[2 * j::2 * times] = src[0::2]
        dst[2 * j + 1::2 * times] = src[1::2]
    return out


def _gather(rows: bytes, j: int, blocks: int) -> bytearray:
    """Block j of every row of `blocks` blocks, one after the other."""
    out = bytearray(len(rows) // blocks)
    dst, src = memoryview(out).cast("Q"), memoryview(rows).cast("Q")
    dst[0::2] = src[2 * j::2 * blocks]
    dst[1::2] = src[2 * j + 1::2 * blocks]
    return out
