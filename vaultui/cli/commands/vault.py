"""Commands on a vault as a whole: init, info."""

from __future__ import annotations

import argparse

from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.parser import (
    add_command,
    add_vault_argument,
    scrypt_cost,
    shortening_threshold,
)
from vaultui.cli.termsafe import safe_message
from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import (
    DEFAULT_SCRYPT_COST,
    DEFAULT_SHORTENING_THRESHOLD,
    MASTERKEY_FILENAME,
)
from vaultui.crypto.errors import FormatError, VaultError
from vaultui.fs.errors import MasterkeyMissingError

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vaultui.cli.context import Context

# The commands import the crypto and the storage when they run (see main.py).


def cmd_init(ctx: Context) -> int:
    from vaultui.crypto.recovery import encode_recovery_key

    location = ctx.location()
    passphrase = ctx.sources().new(file=ctx.args.passphrase_file)
    if not location.fs.exists(location.root):
        location.fs.makedirs(location.root, exist_ok=True)
    key = location.create(
        passphrase,
        cipher_combo=CipherCombo(ctx.args.cipher_combo),
        shortening_threshold=ctx.args.shortening_threshold,
        scrypt_cost=ctx.args.scrypt_cost,
    )
    ctx.note(f"created a vault at {location.url}")
    if ctx.args.show_recovery_key:
        ctx.note("recovery key (write it down and keep it safe; it opens the vault "
                 "without the passphrase):")
        ctx.out(encode_recovery_key(key))
    if ctx.args.remember:
        ctx.remember(location, passphrase)
    return ExitCode.OK


def _remembered(ctx: Context, vid: str) -> str:
    from vaultui.secrets.store import KeyStoreUnavailableError

    if not ctx.use_keyring:
        return "not checked (--no-keyring)"
    try:
        return "yes" if ctx.keystore().get(vid) is not None else "no"
    except KeyStoreUnavailableError as exc:
        return f"unknown ({exc})"


def cmd_info(ctx: Context) -> int:
    location = ctx.location()
    config = location.read_config()
    facts: dict[str, Any] = {
        "location": location.url,
        "format": config.claimed_format,
        "cipher_combo": config.payload.get("cipherCombo"),
        "shortening_threshold": config.payload.get("shorteningThreshold"),
        "vault_id": location.vault_id(),
    }
    try:
        mk = location.read_masterkey_file(config)
        facts["masterkey_file"] = {"present": True, "scrypt_cost": mk.scrypt_cost,
                                   "scrypt_block_size": mk.scrypt_block_size}
    except MasterkeyMissingError:
        facts["masterkey_file"] = {"present": False}
    except (FormatError, VaultError) as exc:
        facts["masterkey_file"] = {"present": True, "error": str(exc)}
    facts["passphrase_remembered"] = _remembered(ctx, facts["vault_id"])
    if ctx.args.json:
        import json

        ctx.out(json.dumps(facts, indent=2))
        return ExitCode.OK
    mkf = facts["masterkey_file"]
    if not mkf["present"]:
        mk_text = f"missing (rebuild it: vaultui-cli recover {ctx.args.vault})"
    elif "error" in mkf:
        mk_text = f"damaged: {mkf['error']}"
    else:
        mk_text = f"{MASTERKEY_FILENAME} (scrypt N={mkf['scrypt_cost']}, " \
                  f"r={mkf['scrypt_block_size']})"
    # The config was read without the key: any of its values can be anything.
    for label, value in [
            ("location", facts["location"]), ("vault format", facts["format"]),
            ("cipher combo", facts["cipher_combo"]),
            ("shortening threshold", facts["shortening_threshold"]),
            ("vault id", facts["vault_id"]), ("masterkey file", mk_text),
            ("passphrase remembered", facts["passphrase_remembered"])]:
        ctx.out(safe_message(f"{label + ':':<23}{value}"))
    ctx.out("(read without the key: unlock the vault, e.g. with `verify`, to check it)")
    return ExitCode.OK


def register(sub: Any, storage: argparse.ArgumentParser, unlock: argparse.ArgumentParser
             ) -> None:
    p = add_command(
        sub, "init", cmd_init, "create a new vault",
        "Create an empty Cryptomator (format 8) vault at VAULT. The passphrase is asked "
        "twice, or taken from --passphrase-file or $VAULTUI_PASSPHRASE; at least 8 characters.",
        ["vaultui-cli init ~/vault --show-recovery-key",
         "vaultui-cli init s3://bucket/vault -o 'client_kwargs={\"endpoint_url\": "
         "\"http://127.0.0.1:9000\"}' --remember"],
        [storage])
    add_vault_argument(p)
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="read the new passphrase from FILE instead of asking")
    p.add_argument("--show-recovery-key", action="store_true",
                   help="print the vault's 44-word recovery key on stdout")
    p.add_argument("--remember", action="store_true",
                   help="remember the passphrase in the OS keyring")
    p.add_argument("--no-keyring", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--cipher-combo", choices=[c.value for c in CipherCombo],
                   default=CipherCombo.SIV_GCM.value, help="content cipher (default SIV_GCM)")
    p.add_argument("--scrypt-cost", type=scrypt_cost, default=DEFAULT_SCRYPT_COST,
                   metavar="N", help=f"scrypt N for the masterkey file (default "
                                     f"{DEFAULT_SCRYPT_COST}, a power of two)")
    p.add_argument("--shortening-threshold", type=shortening_threshold,
                   default=DEFAULT_SHORTENING_THRESHOLD, metavar="N",
                   help=f"encrypted names longer than this are shortened (default "
                        f"{DEFAULT_SHORTENING_THRESHOLD})")

    p = add_command(
        sub, "info", cmd_info, "show a vault's settings (no passphrase needed)",
        "Show what vault.cryptomator and masterkey.cryptomator say, the vault id, and whether "
        "its passphrase is remembered in the OS keyring.",
        ["vaultui-cli info ~/vault", "vaultui-cli info --json s3://bucket/vault"],
        [storage])
    add_vault_argument(p)
    p.add_argument("--json", action="store_true", help="a JSON object")
    p.add_argument("--no-keyring", action="store_true",
                   help="do not ask the OS keyring whether the passphrase is remembered")
