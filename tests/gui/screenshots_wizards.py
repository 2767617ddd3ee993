"""Screenshots of each wizard page and dialog, for looking at them.

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/gui/screenshots_wizards.py screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from screenshots import pause, wait

from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import QApplication, QMessageBox, QTimer, QWidget
from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.state import VaultState
from vaultui.secrets.keychain import memory_keychain

PASS = "correct horse battery staple"


def shot(app: QApplication, widget: QWidget, path: Path) -> None:
    pause(app, 300)
    widget.grab().save(str(path))


def main(outdir: str) -> int:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vaultui-wshots-"))
    app = QApplication(sys.argv[:1])
    window = MainWindow(Settings(work / "settings.ini"), keychain=memory_keychain())
    window.show()

    wizard = window.controller.create_vault()
    wizard.scrypt_cost = 1 << 12
    wizard.location_page.form.set_values("local", folder=str(work))
    shot(app, wizard, out / "create-1-location.png")
    wizard.location_page.form.set_values("s3", bucket="my-bucket/vaults",
                                         endpoint="https://s3.example.com", key="AKIA…",
                                         secret="secret")
    shot(app, wizard, out / "create-1b-location-s3.png")
    wizard.location_page.form.set_values("local", folder=str(work))
    wizard.next()
    shot(app, wizard, out / "create-2-name.png")
    wizard.next()
    wizard.passphrase_page.pair.first.setText("correct horse battery")
    wizard.passphrase_page.pair.second.setText("correct horse")
    shot(app, wizard, out / "create-3-passphrase.png")
    wizard.passphrase_page.pair.second.setText("correct horse battery")
    wizard.next()
    wait(app, lambda: wizard.recovery_page.created)
    shot(app, wizard, out / "create-4-recovery.png")

    def grab_and_stay() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.grab().save(str(out / "create-5-close-unsaved.png"))
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(500, grab_and_stay)
    wizard.reject()  # closing before "I have written down the recovery key": asks first
    wizard.accept()

    vault_dir = work / "Locked vault"
    vault_dir.mkdir()
    VaultLocation.from_url(str(vault_dir)).create(PASS, scrypt_cost=1 << 12)
    vault = window.add_vault(str(vault_dir))
    wait(app, lambda: vault.state is VaultState.LOCKED)
    dialog = window.controller.unlock_current()
    assert dialog is not None
    wait(app, dialog.isVisible)
    dialog.passphrase.setText("wrong")
    dialog.start_unlock()
    wait(app, lambda: bool(dialog.message.text()))
    shot(app, dialog, out / "unlock-wrong.png")
    reset = dialog.forgot()
    reset.words.setPlainText("about above qqq")
    shot(app, reset, out / "reset-recovery.png")
    reset.reject()
    dialog.reject()

    opener = window.controller.open_vault()
    opener.form.set_values("local", folder=str(work))
    opener.start_open()
    wait(app, lambda: bool(opener.message.text()))
    shot(app, opener, out / "open-not-a-vault.png")
    opener.reject()

    options = window.controller.vault_options()
    assert options is not None
    shot(app, options, out / "options-passphrase.png")
    options.tabs.setCurrentIndex(2)
    shot(app, options, out / "options-locking.png")
    options.reject()

    keygen = window.controller.generate_key()
    shot(app, keygen, out / "keygen-1-method.png")
    keygen.next()
    wait(app, keygen.key_page.isComplete)
    shot(app, keygen, out / "keygen-2-key.png")
    keygen.reject()

    window.shutdown()
    window.close()
    print(f"saved {', '.join(sorted(p.name for p in out.glob('*.png')))} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
