"""The app against vaults on the real (moto) S3 server: browsing, editing, dropping, outages."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guihelpers import DEMO_FILES, FAST_SCRYPT, PASSPHRASE, unlock

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui import vaults as vaults_module
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.pane import VaultPane
from vaultui.gui.qt import QTimer
from vaultui.gui.transfers import Status


def s3_vault(monkeypatch: pytest.MonkeyPatch, storage: Any, root: str,
             files: dict[str, bytes]) -> str:
    """Create a vault at `root` on `storage`; the app opens it through that S3 client.

    Settings keep only a URL, and the endpoint of the test server is not in it: the vault's
    check and unlock jobs are pointed at the fixture's client instead (the rest is real).
    """
    VaultLocation(storage, root).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT)
    fs = VaultFileSystem(fs=storage, root=root, passphrase=PASSPHRASE)
    for path, data in files.items():
        if path.endswith("/"):
            fs.makedirs(path.rstrip("/"), exist_ok=True)
        else:
            fs.pipe_file(path, data)

    def check_job(url: str, options: dict[str, Any] | None = None) -> Any:
        return lambda ctx: VaultLocation(storage, root).is_vault()

    def unlock_job(url: str, passphrase: str, options: dict[str, Any] | None = None) -> Any:
        return lambda ctx: VaultFileSystem(fs=storage, root=root, passphrase=passphrase)

    monkeypatch.setattr(vaults_module, "_check_job", check_job)
    monkeypatch.setattr(vaults_module, "_unlock_job", unlock_job)
    return f"s3://{root}"


def open_pane(qtbot, window: MainWindow, url: str) -> VaultPane:
    vault = window.add_vault(url)
    unlock(qtbot, vault)
    pane = window.current_pane()
    assert pane is not None
    return pane


def names(pane: VaultPane) -> list[str]:
    view, model = pane.plain.view, pane.plain.model
    root = view.rootIndex()
    return [model.index(r, 0, root).data() for r in range(model.rowCount(root))]


@pytest.fixture
def s3_pane(qtbot, window: MainWindow, s3fs_fs: Any,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[VaultPane]:
    url = s3_vault(monkeypatch, s3fs_fs.fs, f"{s3fs_fs.root}/vault", DEMO_FILES)
    pane = open_pane(qtbot, window, url)
    qtbot.waitUntil(lambda: names(pane) == ["docs", "empty", "hello.txt"], timeout=15_000)
    yield pane


def test_browse_and_follow_counterparts_on_s3(qtbot, window: MainWindow,
                                              s3_pane: VaultPane) -> None:
    pane = s3_pane
    assert "s3" in window.location_label.text()
    pane.plain.navigate("docs")
    qtbot.waitUntil(lambda: names(pane) == ["deep", "report.txt"], timeout=15_000)
    pane.plain.select_path("docs/report.txt")
    expected = pane.fs.ciphertext_paths("docs/report.txt")[0]
    qtbot.waitUntil(lambda: pane.cipher.current_path() == expected, timeout=15_000)
    assert expected.endswith(".c9r") and expected.startswith(pane.fs.location.root)
    # And back: an object in the encrypted view selects its cleartext item.
    target = pane.fs.ciphertext_paths("hello.txt")[0]
    pane.cipher.model.reveal(target, pane.cipher.select_index)
    qtbot.waitUntil(lambda: pane.plain.current_path() == "hello.txt", timeout=15_000)
    assert pane.plain.folder == ""


def test_create_rename_delete_and_drop_on_s3(qtbot, s3_pane: VaultPane,
                                             tmp_path: Path) -> None:
    pane = s3_pane
    pane.plain.new_folder("Projects")
    qtbot.waitUntil(lambda: "Projects" in names(pane), timeout=15_000)
    qtbot.waitUntil(lambda: not pane.runner.active, timeout=15_000)
    pane.plain.rename("Projects", "Archive")
    qtbot.waitUntil(lambda: "Archive" in names(pane) and "Projects" not in names(pane),
                    timeout=15_000)
    assert pane.fs.isdir("Archive")
    src = tmp_path / "album"
    src.mkdir()
    (src / "one.bin").write_bytes(b"1" * 70_000)
    (src / "two.txt").write_bytes(b"two")
    pane.drop_files([str(src)], "Archive")
    qtbot.waitUntil(lambda: len(pane.transfers.transfers) == 1
                    and not pane.transfers.active, timeout=30_000)
    assert pane.transfers.transfers[0].status is Status.DONE
    fresh = VaultFileSystem(fs=pane.fs.storage, root=pane.fs.location.root,
                            passphrase=PASSPHRASE)
    assert fresh.cat_file("Archive/album/one.bin") == b"1" * 70_000
    assert fresh.cat_file("Archive/album/two.txt") == b"two"
    qtbot.waitUntil(lambda: not pane.runner.active, timeout=15_000)
    pane.plain.delete(["Archive"])
    qtbot.waitUntil(lambda: "Archive" not in names(pane), timeout=15_000)
    fresh.invalidate_cache()
    assert not fresh.exists("Archive")


def test_stopped_server_shows_an_error_and_keeps_the_ui_alive(
        qtbot, window: MainWindow, s3_stoppable: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    storage = s3_stoppable.filesystem()
    storage.mkdir("outage")
    url = s3_vault(monkeypatch, storage, "outage/vault", DEMO_FILES)
    pane = open_pane(qtbot, window, url)
    qtbot.waitUntil(lambda: names(pane) == ["docs", "empty", "hello.txt"], timeout=15_000)
    qtbot.waitUntil(lambda: not pane.plain.model.busy and not pane.runner.active,
                    timeout=15_000)
    s3_stoppable.stop()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    pane.plain.navigate("docs")
    qtbot.waitUntil(lambda: "Cannot list /docs" in window.statusBar().currentMessage(),
                    timeout=60_000)
    timer.stop()
    message = window.statusBar().currentMessage()
    assert "Cannot list /docs" in message and len(message) < 400
    # The event loop kept running the whole time: no tick came late by much.
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert ticks and max(gaps) < 0.5
    # A failed folder shows as empty, and the window still works: go back, then fail again.
    assert names(pane) == []
    pane.plain.back()
    assert pane.plain.folder == ""
    pane.plain.refresh()
    qtbot.waitUntil(lambda: "Cannot list" in window.statusBar().currentMessage()
                    and not pane.plain.model.busy, timeout=60_000)
    # And after an upload against the dead server: the transfer fails with its reason.
    local = Path(window.settings.qsettings.fileName()).parent / "x.txt"
    local.write_bytes(b"x")
    transfer = pane.transfers.upload(pane.fs, str(local), "")
    qtbot.waitUntil(lambda: not transfer.active, timeout=60_000)
    assert transfer.status is Status.FAILED and transfer.error
