"""Logs at INFO and above never pair a cleartext name with the storage object it belongs to."""

from __future__ import annotations

import logging

import pytest
from test_filesystem_conflicts import make_conflict

from vaultui.fs.filesystem import VaultFileSystem

SECRET_NAME = "salary-review-2026.txt"


def test_sync_conflict_resolution_logs_cleartext_only_at_debug(
        vaultfs: VaultFileSystem, caplog: pytest.LogCaptureFixture) -> None:
    vaultfs.pipe_file(f"hr/{SECRET_NAME}", b"v1")
    make_conflict(vaultfs, f"hr/{SECRET_NAME}", other=b"v2")
    vaultfs.invalidate_cache()
    with caplog.at_level(logging.DEBUG, logger="vaultui"):
        names = vaultfs.ls("hr", detail=False)
    assert "hr/salary-review-2026 (Created by Alice).txt" in names
    above_debug = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert above_debug and all(".c9r" in m for m in above_debug)  # storage paths, and
    assert not any("salary" in m for m in above_debug)  # no cleartext
    assert any("salary" in r.getMessage() for r in caplog.records
               if r.levelno == logging.DEBUG)


def test_a_damaged_subdirectory_is_logged_by_its_storage_path(
        vaultfs: VaultFileSystem, caplog: pytest.LogCaptureFixture) -> None:
    vaultfs.pipe_file(f"{SECRET_NAME}-dir/x", b"x")
    node = vaultfs.ciphertext_paths(f"{SECRET_NAME}-dir")[0]
    vaultfs.storage.pipe_file(f"{node}/dir.c9r", b"y" * 40)
    vaultfs.invalidate_cache()
    with caplog.at_level(logging.INFO, logger="vaultui"):
        assert vaultfs.mapper.subdirectories(vaultfs.mapper.dir_id(""), "") == []
    messages = [r.getMessage() for r in caplog.records]
    assert messages and not any("salary" in m for m in messages)
