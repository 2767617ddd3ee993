"""Key slot files: the bytes we write, and what parsing refuses."""

from __future__ import annotations

import json

import pytest

from vaultui.crypto.errors import FormatError
from vaultui.crypto.keyslot import (
    KIND_AGE,
    MAX_SLOT_FILE_SIZE,
    MAX_WRAPPED_SIZE,
    KeySlot,
    slot_file_name,
)

SLOT = KeySlot(label="Alice laptop", kind=KIND_AGE, recipient="age1abc", fingerprint="age1abc",
               wrapped=b"\x01" * 200, created="2026-12-08T00:00:00Z")


def test_round_trip_and_exact_bytes() -> None:
    data = SLOT.to_bytes()
    assert KeySlot.parse(data) == SLOT
    doc = json.loads(data)
    assert list(doc) == ["format", "label", "kind", "recipient", "fingerprint", "created",
                         "wrapped"]
    assert doc["format"] == 1
    assert data.endswith(b"}\n")
    assert data.startswith(b'{\n  "format": 1,\n  "label": "Alice laptop",\n')


def test_file_name_is_per_recipient() -> None:
    assert SLOT.file_name == slot_file_name(KIND_AGE, "age1abc")
    assert len(SLOT.file_name) == 32 + len(".slot")
    other = KeySlot(label="x", kind=KIND_AGE, recipient="age1def", fingerprint="age1def",
                    wrapped=b"\x01")
    assert other.file_name != SLOT.file_name


def test_repr_hides_nothing_secret_but_skips_the_wrapped_key() -> None:
    assert "wrapped" not in repr(SLOT)


@pytest.mark.parametrize("change", [
    {"format": 2}, {"format": True}, {"format": "1"}, {"kind": "pgp"}, {"label": ""},
    {"label": "a\nb"}, {"label": "x" * 201}, {"created": "yesterday"}, {"wrapped": "!!"},
    {"wrapped": ""}, {"extra": 1}, {"label": 5},
])
def test_malformed_slots_are_format_errors(change: dict[str, object]) -> None:
    doc = json.loads(SLOT.to_bytes())
    doc.update(change)
    with pytest.raises(FormatError):
        KeySlot.parse(json.dumps(doc).encode())


def test_missing_field_is_refused() -> None:
    doc = json.loads(SLOT.to_bytes())
    del doc["fingerprint"]
    with pytest.raises(FormatError):
        KeySlot.parse(json.dumps(doc).encode())


def test_size_caps() -> None:
    with pytest.raises(FormatError):
        KeySlot.parse(b" " * (MAX_SLOT_FILE_SIZE + 1))
    with pytest.raises(FormatError):
        KeySlot(label="x", kind=KIND_AGE, recipient="r", fingerprint="f",
                wrapped=b"\0" * (MAX_WRAPPED_SIZE + 1))


@pytest.mark.parametrize("data", [b"", b"[]", b"\xff\xfe", b"null", b"[" * 100000])
def test_not_json_objects(data: bytes) -> None:
    with pytest.raises(FormatError):
        KeySlot.parse(data)
