"""Vault ▸ Share…: lists the slots, adds a person's public key, removes with a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from guihelpers import PASSPHRASE

from tests.tasks.sharinghelpers import ssh_key
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import QItemSelectionModel, QMenu
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.share import AddPersonDialog
from vaultui.gui.vaults.state import VaultState
from vaultui.secrets.identities import AGE_IDENTITY_ITEM, AgeIdentity, SshIdentity
from vaultui.secrets.recipients import Recipient
from vaultui.secrets.store import MemoryKeyStore
from vaultui.tasks.sharing import share_with, unlock_with_slots


def test_share_add_person_and_remove(qtbot: Any, window: MainWindow, vault_path: str,
                                     tmp_path: Path) -> None:
    window.add_vault(vault_path)
    vault_menu = window.menuBar().actions()[0].menu()
    assert isinstance(vault_menu, QMenu) and window.window_actions.share in vault_menu.actions()
    dialog = window.controller.share_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: "Only the passphrase" in dialog.status.text(), timeout=10_000)

    bob = ssh_key(tmp_path / "bob", "id_ed25519")
    picker = AddPersonDialog(dialog)
    qtbot.addWidget(picker)
    picker.load_file(f"{bob.path}.pub")
    assert picker.label.text() == "someone@host"
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        dialog.add_person(picker.key.toPlainText(), picker.label.text(), PASSPHRASE)
    assert dialog.table.rowCount() == 1
    cells = [dialog.table.item(0, column) for column in (0, 1)]
    assert [c.text() if c is not None else None for c in cells] == [
        "someone@host", "SSH key (ed25519)"]
    location = VaultLocation.from_url(vault_path)
    assert unlock_with_slots(location, [SshIdentity(bob.path)], services=[]).slot.label \
        == "someone@host"

    # A wrong passphrase adds nothing and says why, in the dialog.
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as failure:
        dialog.add_person(AgeIdentity.generate()[0].recipient, "eve", "wrong")
    assert "passphrase" in failure.args[0]
    assert dialog.table.rowCount() == 1

    dialog.table.selectionModel().select(
        dialog.table.model().index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    with qtbot.waitSignal(dialog.changed, timeout=10_000) as removed:
        dialog.remove_selected(confirm=False)
    assert "does not revoke" in removed.args[0] and "Rotate the key" in removed.args[0]
    assert dialog.table.rowCount() == 0
    dialog.close()


def test_key_wizard_makes_an_age_identity_once(qtbot: Any, win: MainWindow,
                                               store: MemoryKeyStore) -> None:
    shown: list[str] = []
    for _ in range(2):
        wizard = win.controller.generate_key()
        wizard.method_page.age.setChecked(True)
        wizard.next()
        qtbot.waitUntil(wizard.key_page.isComplete, timeout=10_000)
        shown.append(wizard.key_page.text.text())
        assert not wizard.key_page.export_button.isEnabled()
        wizard.done(0)
    assert shown[0].startswith("age1") and shown[0] == shown[1]  # kept, never replaced
    secret = store.get(AGE_IDENTITY_ITEM)
    assert secret is not None and AgeIdentity(secret).recipient == shown[0]


def test_the_app_unlocks_through_a_key_slot_and_says_so(qtbot: Any, win: MainWindow,
                                                        store: MemoryKeyStore,
                                                        vault_path: str) -> None:
    me, secret = AgeIdentity.generate()
    store.set(AGE_IDENTITY_ITEM, secret)
    location = VaultLocation.from_url(vault_path)
    key, _ = location.unlock(PASSPHRASE)
    share_with(location, key, Recipient.parse(me.recipient), "me")
    vault = win.add_vault(vault_path)
    qtbot.waitUntil(lambda: vault.state is VaultState.LOCKED, timeout=10_000)
    dialog = win.controller.unlock_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: vault.state is VaultState.UNLOCKED, timeout=10_000)
    assert not dialog.isVisible()  # nobody was asked
    assert "key slot 'me'" in win.statusBar().currentMessage()


def test_rotate_key_from_the_dialog(qtbot: Any, window: MainWindow, vault_path: str,
                                    tmp_path: Path) -> None:
    location = VaultLocation.from_url(vault_path)
    old_key, _ = location.unlock(PASSPHRASE)
    me, _ = AgeIdentity.generate()
    share_with(location, old_key, Recipient.parse(me.recipient), "me")
    window.add_vault(vault_path)
    dialog = window.controller.share_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(dialog.changed, timeout=60_000) as done:
        dialog.rotate(PASSPHRASE)
    assert "rotated" in done.args[0] and "1 key slots rewrapped" in done.args[0]
    new_key, _ = location.unlock(PASSPHRASE)
    assert new_key != old_key
    assert unlock_with_slots(location, [me], services=[]).key == new_key
    assert dialog.rotate_button.isEnabled()
    dialog.close()


def test_add_cloud_kms_from_the_dialog(qtbot: Any, window: MainWindow, vault_path: str,
                                       kms_key: Any, s3_server: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3 finds the moto endpoint and credentials as it would find real ones.
    for name, value in (("AWS_ENDPOINT_URL_KMS", s3_server), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    _, key_id = kms_key
    window.add_vault(vault_path)
    dialog = window.controller.share_current()
    assert dialog is not None
    qtbot.waitUntil(lambda: "Only the passphrase" in dialog.status.text(), timeout=10_000)
    with qtbot.waitSignal(dialog.changed, timeout=30_000) as added:
        dialog.add_kms(key_id, PASSPHRASE)
    assert "Added AWS KMS arn:aws:kms" in added.args[0]
    kind = dialog.table.item(0, 1)
    assert kind is not None and kind.text() == "AWS KMS"
    dialog.close()
