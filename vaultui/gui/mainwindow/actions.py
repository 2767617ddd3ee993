"""The main window's actions, its menus and the sidebar's buttons, built in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vaultui.gui.core.qt import QAction, QKeySequence, QMenu, QMenuBar, QToolButton, QWidget
from vaultui.gui.vaults.controller import VaultController
from vaultui.gui.vaults.state import VaultState
from vaultui.gui.vaults.vault import Vault


@dataclass(frozen=True)
class WindowActions:
    """Every action of the main window; the window enables them as the selection changes."""

    add: QAction
    open: QAction
    add_url: QAction
    create: QAction
    remove: QAction
    reveal: QAction
    drive: QAction
    unlock: QAction
    lock: QAction
    options: QAction
    clean: QAction
    share: QAction
    keygen: QAction
    quit: QAction


def build_actions(parent: QWidget, vaults: VaultController,
                  quit_app: Callable[[], object]) -> WindowActions:
    def action(text: str, slot: Callable[[], object],
               shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
               tip: str = "") -> QAction:
        act = QAction(text, parent)
        if shortcut is not None:
            act.setShortcut(shortcut)
        if tip:
            act.setToolTip(tip)
        act.triggered.connect(lambda *_: slot())
        return act

    return WindowActions(
        add=action("Add existing vault…", vaults.add_vault_folder),
        open=action("Open existing vault (any storage)…", vaults.open_vault),
        add_url=action("Add vault by URL…", vaults.add_vault_url),
        create=action("Create new vault…", vaults.create_vault, QKeySequence.StandardKey.New),
        remove=action("Remove from list", vaults.remove_current),
        reveal=action("Reveal location", vaults.reveal_current),
        drive=action("Reveal drive", vaults.reveal_drive,
                     tip="Show the unlocked vault as a drive in the file manager"),
        unlock=action("Unlock…", vaults.unlock_current, QKeySequence("Ctrl+U")),
        lock=action("Lock", vaults.lock_current, QKeySequence("Ctrl+L")),
        options=action("Vault options…", vaults.vault_options),
        clean=action("Clean up leftovers…", vaults.clean_up_current,
                     tip="Remove what interrupted writes left in the vault's storage"),
        share=action("Share…", vaults.share_current,
                     tip="Let people open this vault with their own keys"),
        keygen=action("Generate key…", vaults.generate_key),
        quit=action("Quit", quit_app, QKeySequence.StandardKey.Quit),
    )


def build_menus(bar: QMenuBar, actions: WindowActions) -> None:
    """The Vault menu (add or create; unlock, lock, drive, reveal, remove; options, clean,
    share, quit) and the Tools menu."""
    vault_menu = bar.addMenu("&Vault")
    for group in ((actions.create, actions.add, actions.open, actions.add_url),
                  (actions.unlock, actions.lock, actions.drive, actions.reveal,
                   actions.remove),
                  (actions.options, actions.clean, actions.share, actions.quit)):
        if not vault_menu.isEmpty():
            vault_menu.addSeparator()
        vault_menu.addActions(list(group))
    bar.addMenu("&Tools").addAction(actions.keygen)


def sidebar_buttons(parent: QWidget, actions: WindowActions
                    ) -> tuple[QToolButton, QToolButton]:
    """The "+" button (its menu adds or creates a vault) and the minus button (removes)."""
    add_menu = QMenu(parent)
    for act in (actions.add, actions.open, actions.add_url, actions.create):
        add_menu.addAction(act)
    add_button = QToolButton()
    add_button.setText("+")
    add_button.setToolTip("Add or create a vault")
    add_button.setMenu(add_menu)
    add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    remove_button = QToolButton()
    remove_button.setDefaultAction(actions.remove)
    remove_button.setText("\u2212")  # minus sign
    return add_button, remove_button


def sidebar_menu(parent: QWidget, actions: WindowActions, vault: Vault | None) -> QMenu:
    """The sidebar's context menu for `vault` (None: clicked beside the vaults)."""
    menu = QMenu(parent)
    if vault is not None:
        menu.addAction(actions.lock if vault.state is VaultState.UNLOCKED else actions.unlock)
        if vault.state is VaultState.UNLOCKED:
            menu.addAction(actions.drive)
        menu.addAction(actions.reveal)
        menu.addAction(actions.remove)
        menu.addSeparator()
    menu.addAction(actions.add)
    menu.addAction(actions.create)
    return menu
