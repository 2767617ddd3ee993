"""Start the desktop app: ``vaultui [--settings FILE] [VAULT]`` or ``python -m vaultui.gui``."""

from __future__ import annotations

import argparse
import gc
import os
import sys

from vaultui import __version__
from vaultui.demo import DEMO_PASSPHRASE, create_demo_vault
from vaultui.gui.core.gcpolicy import GuiThreadCollector
from vaultui.gui.core.qt import QApplication, QMessageBox
from vaultui.gui.core.settings import Settings
from vaultui.gui.core.statedump import start_from_env


def freeze_startup_heap() -> None:
    """Keep what start-up made out of every later full garbage collection.

    A full collection scans every object the GC tracks: at start that is every module,
    Qt wrapper and storage client loaded, and one full collection took 20-45 ms on the
    GUI thread, a visible stall by itself (bench/gui_stall.py). Frozen, they are never
    scanned again. Called before any vault is unlocked, so no key can end up in a frozen
    reference cycle that locking could not free.
    """
    gc.collect()
    gc.freeze()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vaultui", description="Encrypted vaults on any "
                                     "fsspec storage (Cryptomator vault format 8).")
    parser.add_argument("--version", action="version", version=f"vaultui {__version__}")
    parser.add_argument("--settings", help="settings file to use instead of the standard one")
    parser.add_argument("--smoke-test", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("vault", nargs="?", help="a vault location to add and select "
                        "(a folder or a URL such as s3://bucket/vault)")
    return parser.parse_args(argv)


def smoke_test(folder: str, settings_path: str | None) -> int:
    """Non-interactive check of a build: create a vault in DIR, list it, quit (status 0)."""
    from vaultui.fs.filesystem import VaultFileSystem
    from vaultui.fs.vault import VaultLocation
    from vaultui.gui.mainwindow.window import MainWindow
    from vaultui.secrets.keychain import memory_keychain

    passphrase = "smoke test passphrase"  # noqa: S105 - a throwaway vault
    target = os.path.join(folder, "smoke-vault")
    os.makedirs(target, exist_ok=True)
    VaultLocation.from_url(target).create(passphrase, scrypt_cost=1 << 12)
    fs = VaultFileSystem(target, passphrase=passphrase)
    fs.pipe_file("hello.txt", b"hello from the smoke test")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = GuiThreadCollector(app)
    collector.start()
    window = MainWindow(Settings(settings_path or os.path.join(folder, "settings.ini")),
                        keychain=memory_keychain())
    window.add_vault(target)
    window.show()
    app.processEvents()
    listing = fs.ls("", detail=False)
    print(f"smoke test: vault {target}: {listing}")
    window.shutdown()
    window.close()
    return 0 if listing == ["hello.txt"] else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke_test:
        return smoke_test(args.smoke_test, args.settings)
    from vaultui.gui.mainwindow.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("vaultui")
    app.setApplicationVersion(__version__)
    # Before any worker starts: a collection in a worker thread could free Qt objects there.
    GuiThreadCollector(app).start()
    window = MainWindow(Settings(args.settings))
    if args.vault:
        window.add_vault(args.vault)
    elif not window.vaults.rowCount():
        answer = QMessageBox.question(
            window, "Welcome to vaultui",
            "You have no vaults yet. Create a demo vault with a few files in a temporary "
            f"folder? Its passphrase is “{DEMO_PASSPHRASE}”.")
        if answer == QMessageBox.StandardButton.Yes:
            window.add_vault(create_demo_vault())
    window.show()
    start_from_env(window)  # only with VAULTUI_STATE_FILE set: for the real-input tests
    freeze_startup_heap()
    return int(app.exec())
