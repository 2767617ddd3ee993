"""Which vault names can be local file names, and distinct local names for Unicode twins."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from vaultui.tasks.localnames import distinct_names, name_max, unusable_name


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\x00b", "x" * 256,
                                  "é" * 128])
def test_names_that_cannot_be_local_file_names(name: str) -> None:
    assert unusable_name(name, 255) is not None


@pytest.mark.parametrize("name", ["a", "...", ".hidden", "x" * 255, "é" * 127, "日本語",
                                  "a:b", " lead"])
def test_names_that_can(name: str) -> None:
    assert unusable_name(name, 255) is None


def test_the_limit_is_asked_of_the_nearest_existing_folder(tmp_path: Path) -> None:
    assert name_max(str(tmp_path / "not" / "yet")) == name_max(str(tmp_path)) >= 14


def test_twins_get_numbered_names_that_collide_with_nothing() -> None:
    names = ["café.txt", nfd("café.txt"), "café (2).txt", "other"]
    assert distinct_names(names) == ["café.txt", nfd("café (3).txt"), "café (2).txt", "other"]


def test_the_nfc_spelling_keeps_its_name_whatever_the_order() -> None:
    assert distinct_names([nfd("é"), "é"]) == [nfd("é (2)"), "é"]
    assert distinct_names(["a", "b"]) == ["a", "b"]


def test_the_same_name_twice_gets_two_local_names() -> None:
    assert distinct_names(["x.txt", "x.txt"]) == ["x.txt", "x (2).txt"]
