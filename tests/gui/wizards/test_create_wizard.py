"""The create-vault wizard end to end (local and real S3) and the open-vault dialog."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from guihelpers import FAST_SCRYPT, PASSPHRASE

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import QApplication, QMessageBox, QTimer, QWizard
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.wizards.create import CreateVaultWizard, name_problem
from vaultui.gui.wizards.open import OpenVaultDialog
from vaultui.gui.wizards.passwords import passphrase_problem
from vaultui.gui.wizards.storageform import build_choice
from vaultui.secrets import MemoryKeyStore
from vaultui.secrets.keychain import storage_key

NEW = "a new and long passphrase"


def walk(qtbot: Any, wizard: CreateVaultWizard, remember: bool = True) -> str:
    """From the name page to the end; returns the recovery words."""
    assert wizard.currentPage() is wizard.name_page
    wizard.name_page.name.setText("Secrets")
    wizard.next()
    assert wizard.currentPage() is wizard.passphrase_page
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.passphrase_page.pair.first.setText("short")
    assert "at least 8" in wizard.passphrase_page.problem.text()
    wizard.passphrase_page.pair.first.setText(NEW)
    wizard.passphrase_page.pair.second.setText(NEW)
    assert wizard.passphrase_page.isComplete()
    assert wizard.passphrase_page.pair.meter.value() >= 2
    wizard.passphrase_page.remember.setChecked(remember)
    wizard.next()
    page = wizard.recovery_page
    qtbot.waitUntil(lambda: page.created or bool(page.error), timeout=30_000)
    assert page.created, page.error
    assert not page.isComplete()  # not before "I have written it down"
    # The vault exists now: no way back, and closing does not cancel anything.
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Close"
    page.confirm.setChecked(True)
    assert page.isComplete()
    words = page.words.toPlainText()
    assert len(words.split()) == 44
    wizard.accept()
    return words


def test_wizard_local_end_to_end(qtbot: Any, win: MainWindow, store: MemoryKeyStore,
                                 tmp_path: Path) -> None:
    wizard = win.controller.create_vault()
    wizard.scrypt_cost = FAST_SCRYPT
    wizard.location_page.form.set_values("local", folder=str(tmp_path))
    assert wizard.location_page.isComplete()
    wizard.next()
    words = walk(qtbot, wizard)
    url = str(tmp_path / "Secrets")
    vault = win.vaults.find(url)
    assert vault is not None
    qtbot.waitUntil(lambda: vault.state is VaultState.UNLOCKED, timeout=30_000)
    loc = VaultLocation.from_url(url)
    assert store.get(loc.vault_id()) == NEW
    loc.reset_passphrase(words, PASSPHRASE, scrypt_cost=FAST_SCRYPT)  # the words are the key
    settings_text = Path(win.settings.path).read_text()
    assert NEW not in settings_text


def create_in(win: MainWindow, folder: Path) -> CreateVaultWizard:
    """The wizard, filled in for a local vault "Secrets" in `folder`, past Create vault."""
    wizard = win.controller.create_vault()
    wizard.scrypt_cost = FAST_SCRYPT
    wizard.location_page.form.set_values("local", folder=str(folder))
    wizard.next()
    wizard.name_page.name.setText("Secrets")
    wizard.next()
    wizard.passphrase_page.pair.first.setText(NEW)
    wizard.passphrase_page.pair.second.setText(NEW)
    wizard.next()
    return wizard


def test_wizard_refuses_a_non_empty_folder(qtbot: Any, win: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "Secrets").mkdir()
    (tmp_path / "Secrets" / "x.txt").write_text("x")
    wizard = create_in(win, tmp_path)
    qtbot.waitUntil(lambda: bool(wizard.recovery_page.error), timeout=10_000)
    assert "not empty" in wizard.recovery_page.error
    assert not wizard.recovery_page.isComplete()
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Cancel"  # nothing made


def test_wizard_s3_end_to_end(qtbot: Any, win: MainWindow, store: MemoryKeyStore,
                              s3fs_fs: Any, s3_server: str) -> None:
    wizard = win.controller.create_vault()
    wizard.scrypt_cost = FAST_SCRYPT
    wizard.location_page.form.set_values("s3", bucket=s3fs_fs.root, endpoint=s3_server,
                                         key="testing", secret="testing")
    assert not wizard.location_page.isComplete()  # not before the connection test
    wizard.location_page.test_connection()
    qtbot.waitUntil(wizard.location_page.isComplete, timeout=20_000)
    assert wizard.location_page.status.text() == "Connected."
    wizard.next()
    walk(qtbot, wizard, remember=False)
    url = f"s3://{s3fs_fs.root}/Secrets"
    vault = win.vaults.find(url)
    assert vault is not None
    qtbot.waitUntil(lambda: vault.state is VaultState.UNLOCKED, timeout=30_000)
    assert vault.fs is not None
    vault.fs.pipe_file("hello.txt", b"hi")
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": s3_server}}
    assert VaultFileSystem(url, storage_options=options, passphrase=NEW).cat_file(
        "hello.txt") == b"hi"
    qtbot.waitUntil(lambda: store.get(storage_key(url)) is not None, timeout=10_000)
    assert "testing" not in Path(win.settings.path).read_text()


def test_connection_failure_is_reported(qtbot: Any, win: MainWindow) -> None:
    wizard = win.controller.create_vault()
    wizard.location_page.form.set_values("s3", bucket="nobucket",
                                         endpoint="http://127.0.0.1:9", key="k", secret="s")
    wizard.location_page.test_connection()
    qtbot.waitUntil(lambda: "Could not connect" in wizard.location_page.status.text(),
                    timeout=60_000)
    assert not wizard.location_page.isComplete()


@pytest.mark.parametrize(("kind", "values", "problem"), [
    ("local", {}, "Choose a folder."),
    ("s3", {}, "Enter the bucket (and optionally a path in it)."),
    ("s3", {"bucket": "b", "key": "k"},
     "Enter both the access key id and the secret access key."),
    ("s3", {"bucket": "b", "endpoint": "s3.example.com"},
     "The endpoint URL starts with http:// or https://."),
    ("azure", {"container": "c"}, "Enter a connection string, or the account name and key."),
    ("sftp", {}, "Enter the SFTP host."),
    ("sftp", {"host": "h", "port": "99999"}, "The port is a number from 1 to 65535."),
    ("url", {"url": "memory://x", "options": "{"}, "The storage options are not valid JSON."),
    ("url", {"url": "memory://x", "options": "[1]"},
     "The storage options are a JSON object ({...})."),
    ("s3", {"bucket": "b/p", "key": "k", "secret": "s"}, ""),
])
def test_storage_validation_table(kind: str, values: dict[str, str], problem: str) -> None:
    choice, message = build_choice(kind, values)
    assert message == problem
    assert (choice is None) == bool(problem)
    if choice is not None:
        assert "s" not in repr(choice).split("options=")[1].replace("secret", "")  # keys only


@pytest.mark.parametrize(("name", "problem"), [
    ("", "Enter a name for the vault."),
    ("a/b", 'A vault name cannot hold / \\ : * ? " < > | or control characters.'),
    ("..", 'A vault name cannot hold / \\ : * ? " < > | or control characters.'),
    ("x" * 101, "The name is too long (at most 100 characters)."),
    ("My vault", ""),
])
def test_name_validation_table(name: str, problem: str) -> None:
    assert name_problem(name) == problem


@pytest.mark.parametrize(("first", "second", "problem"), [
    ("", "", "Enter a passphrase."),
    ("1234567", "1234567", "The passphrase needs at least 8 characters."),
    ("12345678", "12345679", "The two passphrases differ."),
    ("12345678", "12345678", ""),
])
def test_passphrase_validation_table(first: str, second: str, problem: str) -> None:
    assert passphrase_problem(first, second) == problem


def test_open_dialog_recognises_vaults(qtbot: Any, win: MainWindow, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    old = tmp_path / "future"
    old.mkdir()
    # A config of a format this app does not read (unsigned: inspecting needs no key).
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    (old / "vault.cryptomator").write_text(".".join([
        b64({"kid": "masterkeyfile:masterkey.cryptomator", "alg": "HS256", "typ": "JWT"}),
        b64({"format": 9, "jti": "x", "cipherCombo": "SIV_GCM", "shorteningThreshold": 220}),
        "c2ln"]))
    good = tmp_path / "good"
    good.mkdir()
    VaultLocation.from_url(str(good)).create(PASSPHRASE, scrypt_cost=FAST_SCRYPT)
    dialog = win.controller.open_vault()
    assert isinstance(dialog, OpenVaultDialog)
    for folder, expected in ((plain, "is not a vault"), (old, "not supported")):
        dialog.form.set_values("local", folder=str(folder))
        dialog.start_open()
        qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=10_000)
        assert expected in dialog.message.text()
        assert dialog.isVisible()
    dialog.form.set_values("local", folder=str(good))
    with qtbot.waitSignal(dialog.opened, timeout=10_000):
        dialog.start_open()
    assert win.vaults.find(str(good)) is not None


def answer_next_message_box(button: QMessageBox.StandardButton, asked: list[str]) -> None:
    """Press `button` in the message box that is about to open (it runs its own loop)."""
    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(button).click()
    QTimer.singleShot(0, press)


def created_wizard(qtbot: Any, win: MainWindow, tmp_path: Path) -> CreateVaultWizard:
    wizard = create_in(win, tmp_path)
    qtbot.waitUntil(lambda: wizard.recovery_page.created, timeout=30_000)
    wizard.show()
    return wizard


def test_closing_before_the_words_are_written_down_asks_first(
        qtbot: Any, win: MainWindow, tmp_path: Path) -> None:
    wizard = created_wizard(qtbot, win, tmp_path)
    asked: list[str] = []
    answer_next_message_box(QMessageBox.StandardButton.Cancel, asked)
    wizard.reject()
    assert asked and "recovery key" in asked[0]
    assert wizard.isVisible()  # stayed, words still there
    assert len(wizard.recovery_page.words.toPlainText().split()) == 44
    answer_next_message_box(QMessageBox.StandardButton.Close, asked)
    wizard.reject()
    assert not wizard.isVisible()
    assert win.vaults.find(str(tmp_path / "Secrets")) is not None  # closing undid nothing


def test_closing_after_the_words_are_written_down_asks_nothing(
        qtbot: Any, win: MainWindow, tmp_path: Path) -> None:
    wizard = created_wizard(qtbot, win, tmp_path)
    wizard.recovery_page.confirm.setChecked(True)
    wizard.reject()  # a message box here would block the test
    assert not wizard.isVisible()
