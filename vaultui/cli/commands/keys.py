"""Commands on a vault's key and passphrase: passwd, recover, recovery-key, remember, forget."""

from __future__ import annotations

import argparse

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import add_command, add_vault_argument
from vaultui.crypto.constants import MASTERKEY_FILENAME
from vaultui.crypto.errors import FormatError, InvalidSignatureError
from vaultui.fs.errors import VaultConfigMissingError, VaultNotFoundError

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context
    from vaultui.crypto.keys import Masterkey
    from vaultui.fs.vault import VaultLocation

# The commands import the crypto and the storage when they run (see main.py).


def _update_remembered(ctx: Context, location: VaultLocation, passphrase: str) -> None:
    """After a passphrase change: replace a remembered passphrase (the old one is useless)."""
    from vaultui.secrets.store import KeyStoreUnavailableError
    if not ctx.use_keyring:
        return
    try:
        store = ctx.keystore()
        vid = location.vault_id()
        if store.get(vid) is None and not getattr(ctx.args, "remember", False):
            return
        store.set(vid, passphrase)
    except KeyStoreUnavailableError as exc:
        if getattr(ctx.args, "remember", False):
            ctx.note(f"the passphrase was not remembered: {exc}")
        return
    ctx.note(f"the passphrase remembered in {store.description} was updated")


def cmd_passwd(ctx: Context) -> int:
    location = ctx.location()
    _, old, _ = ctx.unlock_with(location, lambda p: location.unlock(p))
    new = ctx.sources().new_for_change()
    backup = location.change_passphrase(old, new)
    ctx.note("passphrase changed" + (f"; the previous masterkey file is kept as {backup}"
                                     if backup else ""))
    _update_remembered(ctx, location, new)
    return ExitCode.OK


def read_recovery_key(ctx: Context) -> Masterkey:
    from vaultui.cli.passphrase import prompt_secret, read_secret_file
    from vaultui.crypto.recovery import decode_recovery_key

    path = getattr(ctx.args, "recovery_key_file", None)
    if path:
        text = read_secret_file(path, "recovery key")
    else:
        text = prompt_secret("Recovery key (44 words, not shown): ",
                             "recovery key (use --recovery-key-file)")
    return decode_recovery_key(text)


def _words(key: Masterkey) -> str:
    from vaultui.crypto.recovery import encode_recovery_key

    return encode_recovery_key(key)


def cmd_recover(ctx: Context) -> int:
    location = ctx.location()
    has_masterkey = location.fs.exists(location.path(MASTERKEY_FILENAME))
    try:
        location.read_config()
        has_config = True
    except VaultConfigMissingError:
        has_config = False
    except VaultNotFoundError:
        if not location.fs.exists(location.path("d")):
            raise
        has_config = False

    if not has_config and has_masterkey and ctx.args.use_passphrase:
        _restore_config(location, _unlock_masterkey_file(ctx, location))
        ctx.note("vault.cryptomator rebuilt with the passphrase")
        return ExitCode.OK

    key = read_recovery_key(ctx)
    if not has_config:
        _restore_config(location, key)
        ctx.note("vault.cryptomator rebuilt from the recovery key")
        if has_masterkey:
            return ExitCode.OK
    new = ctx.sources().new_for_change()
    try:
        if has_masterkey:
            backup = location.reset_passphrase(_words(key), new)
            ctx.note("passphrase reset" + (f"; the previous masterkey file is kept as {backup}"
                                           if backup else ""))
        else:
            location.restore_masterkey_file(_words(key), new)
            ctx.note("masterkey.cryptomator rebuilt with the new passphrase")
    except InvalidSignatureError:
        raise CliError("this recovery key belongs to another vault", ExitCode.AUTH) from None
    _update_remembered(ctx, location, new)
    return ExitCode.OK


def _unlock_masterkey_file(ctx: Context, location: VaultLocation) -> Masterkey:
    """The key from masterkey.cryptomator and a passphrase, when vault.cryptomator is gone."""
    mkfile = location.read_masterkey_file()
    sources = ctx.sources()
    given = sources.given()
    passphrase = given[0] if given else sources.ask(f"Passphrase for {location.url}: ")
    return mkfile.unlock(passphrase)


def _restore_config(location: VaultLocation, key: Masterkey) -> None:
    try:
        location.restore_config(key)
    except (VaultNotFoundError, FormatError):
        raise CliError("this key does not open this vault's root folder: a recovery key "
                       "of another vault?", ExitCode.AUTH) from None


def cmd_recovery_key(ctx: Context) -> int:
    location = ctx.location()
    (key, _), _, _ = ctx.unlock_with(location, lambda p: location.unlock(p))
    ctx.note("recovery key (it opens the vault without the passphrase: keep it safe):")
    ctx.out(_words(key))
    return ExitCode.OK


def cmd_remember(ctx: Context) -> int:
    location = ctx.location()
    # The passphrase to store comes from the user, not from the keyring itself.
    _, passphrase, _ = ctx.unlock_with(location, lambda p: location.unlock(p), keyring=False)
    store = ctx.keystore()
    store.set(location.vault_id(), passphrase)
    ctx.note(f"passphrase remembered in {store.description}")
    return ExitCode.OK


def cmd_forget(ctx: Context) -> int:
    location = ctx.location()
    removed = ctx.keystore().delete(location.vault_id())
    ctx.note("passphrase forgotten" if removed else "no passphrase was remembered for this vault")
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    new_group_help = ("read the new passphrase from FILE (also: $VAULTUI_NEW_PASSPHRASE, "
                      "or asked twice)")
    p = add_command(
        sub, "passwd", cmd_passwd, "change a vault's passphrase",
        "Re-wrap the vault's key under a new passphrase; no file is re-encrypted and the "
        "recovery key stays valid. The previous masterkey.cryptomator is kept as "
        "masterkey.cryptomator.<id>.bkup. A remembered passphrase is updated.",
        ["vaultui-cli passwd ~/vault   # asks for the old passphrase, then the new one twice",
         "vaultui-cli passwd ~/vault --passphrase-file old.txt --new-passphrase-file new.txt"],
        [storage, unlock])
    add_vault_argument(p)
    p.add_argument("--new-passphrase-file", metavar="FILE", help=new_group_help)

    p = add_command(
        sub, "recover", cmd_recover, "reset a forgotten passphrase or rebuild key files",
        "With the 44-word recovery key: set a new passphrase (the old masterkey file is kept "
        "as a backup), rebuild a missing masterkey.cryptomator, or rebuild a missing "
        "vault.cryptomator (also possible with the passphrase: --use-passphrase).",
        ["vaultui-cli recover ~/vault",
         "vaultui-cli recover ~/vault --recovery-key-file words.txt "
         "--new-passphrase-file new.txt",
         "vaultui-cli recover ~/vault --use-passphrase   # vault.cryptomator lost"],
        [storage])
    add_vault_argument(p)
    p.add_argument("--recovery-key-file", metavar="FILE",
                   help="read the recovery key from FILE instead of asking ('-': stdin)")
    p.add_argument("--new-passphrase-file", metavar="FILE", help=new_group_help)
    p.add_argument("--use-passphrase", action="store_true",
                   help="rebuild vault.cryptomator from masterkey.cryptomator and the "
                        "passphrase instead of the recovery key")
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="the passphrase for --use-passphrase")
    p.add_argument("--remember", action="store_true",
                   help="remember the new passphrase in the OS keyring")
    p.add_argument("--no-keyring", action="store_true",
                   help="leave the OS keyring alone")

    p = add_command(
        sub, "recovery-key", cmd_recovery_key, "show a vault's 44-word recovery key",
        "Unlock the vault and print its recovery key on stdout.",
        ["vaultui-cli recovery-key ~/vault"], [storage, unlock])
    add_vault_argument(p)

    p = add_command(
        sub, "remember", cmd_remember, "remember a vault's passphrase in the OS keyring",
        "Check the passphrase (asked, or from --passphrase-file / $VAULTUI_PASSPHRASE) and "
        "store it in the OS keyring under the vault's id; later commands find it there. "
        "Insecure keyrings (plain files) are refused.",
        ["vaultui-cli remember ~/vault"], [storage])
    add_vault_argument(p)
    p.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE")

    p = add_command(
        sub, "forget", cmd_forget, "remove a vault's passphrase from the OS keyring",
        "Delete the passphrase remembered for this vault.",
        ["vaultui-cli forget ~/vault"], [storage])
    add_vault_argument(p)
