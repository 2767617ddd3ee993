"""Building the argument parser: shared option groups and one sub-parser per command."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from vaultui.crypto.constants import DEFAULT_SCRYPT_BLOCK_SIZE, MIN_SHORTENING_THRESHOLD
from vaultui.crypto.errors import FormatError
from vaultui.crypto.masterkeyfile import check_scrypt_parameters
from vaultui.fs.storage import storage_timeout

#: The largest shortening threshold a vault config may carry (vaultconfig.py checks it).
MAX_SHORTENING_THRESHOLD = 2**16

Command = Callable[..., int]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def storage_options_parent() -> argparse.ArgumentParser:
    """Options every command that reaches a storage takes."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("storage")
    group.add_argument(
        "-o", "--storage-option", action="append", metavar="KEY=VALUE", default=[],
        help="an fsspec storage option (repeatable); VALUE is parsed as JSON when it parses, "
             "e.g. -o 'client_kwargs={\"endpoint_url\": \"http://host:9000\"}'")
    group.add_argument("--storage-options-file", metavar="JSON",
                       help="a JSON file with an object of storage options (-o wins); "
                            "put credentials here, not in -o: command lines are visible to "
                            "other local users")
    group.add_argument("--storage-timeout", type=timeout_seconds, metavar="SECONDS",
                       default=argparse.SUPPRESS,
                       help="fail when the storage answers nothing for this long (default "
                            "60, or $VAULTUI_STORAGE_TIMEOUT)")
    parent.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    return parent


def unlock_parent() -> argparse.ArgumentParser:
    """Options of commands that unlock a vault."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("passphrase")
    group.add_argument("--passphrase-file", metavar="FILE",
                       help="read the passphrase from FILE (its first line break is dropped; "
                            "'-' is standard input). Also: $VAULTUI_PASSPHRASE, the keyring, "
                            "or a prompt")
    group.add_argument("--no-keyring", action="store_true",
                       help="do not look the passphrase up in the OS keyring")
    group.add_argument("--remember", action="store_true",
                       help="after a successful unlock, remember the passphrase in the OS "
                            "keyring")
    group.add_argument("--identity", metavar="FILE", action="append",
                       help="an age identity, OpenSSH or RSA PEM private key to open the "
                            "vault's key slots with (repeatable); the keyring's age identity "
                            "and ~/.ssh/id_ed25519, id_rsa are tried too")
    return parent


def add_command(sub: Any, name: str, func: Command, summary: str, description: str,
                examples: Sequence[str], parents: Sequence[argparse.ArgumentParser] = (),
                ) -> argparse.ArgumentParser:
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=description, epilog=epilog,
        formatter_class=HelpFormatter, parents=list(parents))
    parser.set_defaults(func=func)
    return parser


def add_vault_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vault", metavar="VAULT",
                        help="the vault's location: a path or any fsspec URL "
                             "(s3://bucket/vault, abfs://container/vault, sftp://host/vault)")


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-j", "--jobs", type=positive_int, default=4, metavar="N",
                        help="files transferred at once (default 4)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def scrypt_cost(text: str) -> int:
    """An scrypt N the format takes: a power of two, at least 1024, within the memory cap.

    Checked here so a bad value is a usage error (exit 2), not "damaged data".
    """
    value = positive_int(text)
    try:
        check_scrypt_parameters(value, DEFAULT_SCRYPT_BLOCK_SIZE)
    except FormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def shortening_threshold(text: str) -> int:
    value = positive_int(text)
    if not MIN_SHORTENING_THRESHOLD <= value <= MAX_SHORTENING_THRESHOLD:
        raise argparse.ArgumentTypeError(
            f"must be within {MIN_SHORTENING_THRESHOLD}..{MAX_SHORTENING_THRESHOLD}")
    return value


def timeout_seconds(text: str) -> float:
    try:
        return storage_timeout(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
