"""EncryptedSpool: a random-access buffer that behaves like a file and never holds cleartext."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultui.crypto.errors import AuthenticationError
from vaultui.mount.spool import EncryptedSpool

MARKER = b"SPOOL-PLAINTEXT-MARKER"

ops = st.lists(st.one_of(
    st.tuples(st.just("write"), st.integers(0, 40_000), st.binary(min_size=0, max_size=9_000)),
    st.tuples(st.just("truncate"), st.integers(0, 40_000), st.just(b"")),
), max_size=40)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_spool_behaves_like_a_file(steps: list[tuple[str, int, bytes]]) -> None:
    spool = EncryptedSpool(block_size=4096)
    model = bytearray()
    try:
        for op, pos, data in steps:
            if op == "write":
                spool.write(pos, data)
                if pos > len(model) and data:
                    model += bytes(pos - len(model))
                if data:
                    model[pos:pos + len(data)] = data
            else:
                spool.truncate(pos)
                model = model[:pos] + bytes(max(0, pos - len(model)))
            assert spool.size == len(model)
        assert spool.read(0, len(model) + 10) == bytes(model)
        assert b"".join(spool.blocks(5000)) == bytes(model)
    finally:
        spool.close()


def _disk_bytes(spool: EncryptedSpool) -> bytes:
    """What the spool's unnamed temporary file holds on disk."""
    fd = spool._file.fileno()
    os.fsync(fd)
    return Path(f"/proc/self/fd/{fd}").read_bytes()


def test_disk_never_sees_cleartext() -> None:
    spool = EncryptedSpool(block_size=4096)
    try:
        spool.write(0, MARKER * 1000)
        spool.write(100, MARKER)  # a piece of a block, held in memory until moved on
        spool.read(20_000, 10)
        on_disk = _disk_bytes(spool)
        assert on_disk and MARKER not in on_disk
        assert spool.read(0, len(MARKER)) == MARKER
    finally:
        spool.close()


def test_altered_block_is_refused() -> None:
    spool = EncryptedSpool(block_size=4096)
    try:
        spool.write(0, b"a" * 8192)
        spool._file.seek(30)
        spool._file.write(b"\0")
        with pytest.raises(AuthenticationError):
            spool.read(0, 10)
    finally:
        spool.close()
