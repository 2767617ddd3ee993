"""Screenshots of Vault ▸ Share… for the user guide ("Share a vault with a team").

Run under Xvfb (real xcb windows), or offscreen for a quick look:
    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/gui/screenshots_share.py screenshots
Builds the demo vault, shares it with an SSH key, an age recipient and an RSA key, and
saves share-dialog.png (the slots) and share-add-person.png (the Add person dialog).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from screenshots import wait

from tests.tasks.sharinghelpers import rsa_pem, ssh_key
from vaultui.demo import DEMO_PASSPHRASE, create_demo_vault
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import QApplication
from vaultui.gui.core.settings import Settings
from vaultui.gui.mainwindow.window import MainWindow
from vaultui.gui.vaults.share import AddPersonDialog
from vaultui.secrets.identities import AgeIdentity
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.sharing import share_with


def main(outdir: str) -> int:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vaultui-shots-"))
    app = QApplication(sys.argv[:1])
    path = create_demo_vault(str(work))
    location = VaultLocation.from_url(path)
    key, _ = location.unlock(DEMO_PASSPHRASE)
    bob = ssh_key(work / "keys" / "bob", "id_ed25519")
    carol = rsa_pem(work / "keys" / "carol", "carol.pem")
    for label, public in (("bob@laptop", bob.public),
                          ("alice", AgeIdentity.generate()[0].recipient),
                          ("carol (blob proxy)", carol.public)):
        share_with(location, key, Recipient.parse(public), label)
    window = MainWindow(Settings(work / "settings.ini"))
    window.add_vault(path)
    window.show()
    dialog = window.controller.share_current()
    assert dialog is not None
    wait(app, lambda: dialog.table.rowCount() == 3)
    dialog.resize(900, 420)
    wait(app, lambda: dialog.isVisible())
    dialog.grab().save(str(out / "share-dialog.png"))
    person = AddPersonDialog(dialog)
    person.load_file(f"{bob.path}.pub")
    person.label.setText("dave@workstation")
    person.resize(640, 300)
    person.show()
    wait(app, lambda: person.isVisible())
    person.grab().save(str(out / "share-add-person.png"))
    person.close()
    dialog.close()
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
