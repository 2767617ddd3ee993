"""The cipher combos of format 8: how file contents are encrypted (names use AES-SIV in both)."""

from __future__ import annotations

from enum import StrEnum


class CipherCombo(StrEnum):
    """How file contents are encrypted; names use AES-SIV in both."""

    SIV_GCM = "SIV_GCM"
    SIV_CTRMAC = "SIV_CTRMAC"
