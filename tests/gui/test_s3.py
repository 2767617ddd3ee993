"""The app against vaults on the real (moto) S3 server: browsing, editing, dropping, outages.

The vaults are added as a user adds them: the open-vault dialog with the storage's URL and
options (endpoint, key and secret), which the app keeps in the keyring and hands to every
storage call. Nothing inside the app is swapped out.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guihelpers import DEMO_FILES, FAST_SCRYPT, PASSPHRASE, unlock

from tests.services import FAST_FAIL_CONFIG
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui.keychain import Keychain
from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.pane import VaultPane
from vaultui.gui.qt import QTimer
from vaultui.gui.settings import Settings
from vaultui.gui.transfers import Status
from vaultui.gui.unlock import UnlockDialog
from vaultui.gui.vaultstate import VaultState
from vaultui.secrets import MemoryKeyStore


def make_s3_vault(storage: Any, root: str, files: dict[str, bytes]) -> None:
    """A vault with `files` at `root` on the server, made with a client of the test's own."""
    VaultLocation(storage, root).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT)
    fs = VaultFileSystem(fs=storage, root=root, passphrase=PASSPHRASE)
    for path, data in files.items():
        if path.endswith("/"):
            fs.makedirs(path.rstrip("/"), exist_ok=True)
        else:
            fs.pipe_file(path, data)


def open_through_dialog(qtbot, window: MainWindow, kind: str, **values: str) -> str:
    """Vault > Open existing vault…, fill in the storage form, press Open; the vault's URL."""
    dialog = window.open_vault()
    dialog.form.set_values(kind, **values)
    with qtbot.waitSignal(dialog.opened, timeout=30_000) as opened:
        dialog.open_button.click()
    assert not dialog.isVisible()
    url = str(opened.args[0])
    vault = window.vaults.find(url)
    assert vault is not None
    unlock(qtbot, vault)
    return url


def current_pane(window: MainWindow) -> VaultPane:
    pane = window.current_pane()
    assert pane is not None
    return pane


def names(pane: VaultPane) -> list[str]:
    view, model = pane.plain.view, pane.plain.model
    root = view.rootIndex()
    return [model.index(r, 0, root).data() for r in range(model.rowCount(root))]


@pytest.fixture
def s3_pane(qtbot, win: MainWindow, s3_server: str, s3fs_fs: Any) -> Iterator[VaultPane]:
    make_s3_vault(s3fs_fs.fs, f"{s3fs_fs.root}/vault", DEMO_FILES)
    open_through_dialog(qtbot, win, "s3", bucket=f"{s3fs_fs.root}/vault",
                        endpoint=s3_server, key="testing", secret="testing")
    pane = current_pane(win)
    qtbot.waitUntil(lambda: names(pane) == ["docs", "empty", "hello.txt"], timeout=15_000)
    yield pane


def test_storage_options_are_kept_in_the_keychain_for_the_next_start(
        qtbot, win: MainWindow, s3_pane: VaultPane, s3_server: str,
        settings: Settings, store: MemoryKeyStore) -> None:
    url = s3_pane.vault.url
    assert url.startswith("s3://") and "testing" not in url
    qtbot.waitUntil(lambda: store.get(f"storage:{url}") is not None, timeout=10_000)
    saved = json.loads(store.get(f"storage:{url}") or "{}")
    assert saved == {"key": "testing", "secret": "testing",
                     "client_kwargs": {"endpoint_url": s3_server}}
    # The settings file names the location only; the credentials stay in the keychain.
    assert "testing" not in Path(settings.qsettings.fileName()).read_text()
    win.shutdown()
    # The next start reads the options back, and the vault is found and opens.
    again = MainWindow(Settings(Path(settings.qsettings.fileName())),
                       keychain=Keychain(lambda: store))
    qtbot.addWidget(again)
    try:
        vault = again.vaults.find(url)
        assert vault is not None
        # Unlock at once, before the options are back from the keychain (they come in a
        # job): the unlock waits for them instead of failing with "Unable to locate
        # credentials".
        assert vault.options_pending
        again.select(vault)
        assert again.unlock_current() is None  # deferred until the options are in
        dialog = None

        def shown() -> bool:
            nonlocal dialog
            dialog = next((w for w in again.findChildren(UnlockDialog) if w.isVisible()), None)
            return dialog is not None
        qtbot.waitUntil(shown, timeout=15_000)
        assert vault.storage_options == saved and vault.state is VaultState.LOCKED
        assert vault.error == "" and dialog is not None
        dialog.close()
        unlock(qtbot, vault)
        pane = current_pane(again)
        qtbot.waitUntil(lambda: names(pane) == ["docs", "empty", "hello.txt"], timeout=15_000)
    finally:
        again.shutdown()


def test_browse_and_follow_counterparts_on_s3(qtbot, win: MainWindow,
                                              s3_pane: VaultPane) -> None:
    pane = s3_pane
    assert "s3" in win.location_label.text()
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
        qtbot, win: MainWindow, s3_stoppable: Any) -> None:
    window = win
    storage = s3_stoppable.filesystem()
    storage.mkdir("outage")
    make_s3_vault(storage, "outage/vault", DEMO_FILES)
    # Options the S3 form has no fields for (give up fast when the server is gone) go in
    # through the "any fsspec URL" form, as JSON.
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": s3_stoppable.endpoint_url},
               "config_kwargs": FAST_FAIL_CONFIG}
    open_through_dialog(qtbot, window, "url", url="s3://outage/vault",
                        options=json.dumps(options))
    pane = current_pane(window)
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


def test_an_edit_of_an_opened_file_is_saved_in_the_s3_vault_and_a_conflict_kept(
        qtbot, win: MainWindow, s3_pane: VaultPane, s3fs_fs: Any) -> None:
    launched: list[str] = []
    s3_pane.open_item("docs/report.txt", launched.append)
    qtbot.waitUntil(lambda: bool(launched), timeout=15_000)
    local = Path(launched[0])
    with qtbot.waitSignal(s3_pane.edits.saved, timeout=30_000) as saved:
        local.write_bytes(b"edited on this computer")
    assert not saved.args[0].conflict
    other = VaultFileSystem(fs=s3fs_fs.fs, root=f"{s3fs_fs.root}/vault", passphrase=PASSPHRASE)
    assert other.cat_file("docs/report.txt") == b"edited on this computer"
    other.pipe_file("docs/report.txt", b"edited on another computer")
    with qtbot.waitSignal(s3_pane.edits.saved, timeout=30_000) as saved:
        local.write_bytes(b"edited here again")
    assert saved.args[0].conflict
    assert other.cat_file("docs/report.txt") == b"edited on another computer"
    assert other.cat_file("docs/report (2).txt") == b"edited here again"


def test_an_upload_to_a_frozen_server_fails_in_its_row(
        qtbot, win: MainWindow, s3_stoppable: Any, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setenv("VAULTUI_STORAGE_TIMEOUT", "2")
    storage = s3_stoppable.filesystem()
    storage.mkdir("frozen")
    make_s3_vault(storage, "frozen/vault", {})
    # No timeouts of the test's own: the app's defaults (here 2 s from the environment).
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": s3_stoppable.endpoint_url}}
    open_through_dialog(qtbot, win, "url", url="s3://frozen/vault",
                        options=json.dumps(options))
    pane = current_pane(win)
    local = tmp_path / "big.bin"
    with local.open("wb") as f:
        f.truncate(512 * 1024 * 1024)  # sparse: many parts, no disk

    def uploads() -> list[Any]:
        found: list[Any] = storage.call_s3("list_multipart_uploads", Bucket="frozen").get(
            "Uploads", [])
        return found

    transfer = pane.transfers.upload(pane.fs, str(local), "")
    qtbot.waitUntil(lambda: bool(uploads()), timeout=60_000)
    s3_stoppable.pause()
    try:
        qtbot.waitUntil(lambda: not transfer.active, timeout=20_000)
    finally:
        s3_stoppable.resume()
    assert transfer.status is Status.FAILED
    assert "stopped answering" in transfer.error and "s3://frozen/vault" in transfer.error
    assert uploads() == []
