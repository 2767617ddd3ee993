"""Building the argument parser: shared option groups and one sub-parser per command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from vaultui.crypto.constants import DEFAULT_SCRYPT_BLOCK_SIZE, MIN_SHORTENING_THRESHOLD
from vaultui.crypto.errors import FormatError

#: The largest shortening threshold a vault config may carry (vaultconfig.py checks it).
MAX_SHORTENING_THRESHOLD = 2**16

Command = Callable[..., int]

# Not imported from typing, which is a tenth of `vaultui-cli --help`; mypy reads it alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Arguments(Protocol):
        """What a command's registration adds its arguments to."""

        def add_argument(self, *args: Any, **kwargs: Any) -> Any: ...

        def add_mutually_exclusive_group(self, *args: Any, **kwargs: Any) -> Any: ...


def terminal_width() -> int:
    """What argparse asks shutil.get_terminal_size() for, without importing shutil.

    shutil loads zlib, bz2 and lzma for its archives: a tenth of `--help`'s start-up.
    """
    try:
        columns = int(os.environ["COLUMNS"])
        if columns > 0:
            return columns
    except (KeyError, ValueError):
        pass
    stdout = sys.__stdout__
    try:
        return (os.get_terminal_size(stdout.fileno()).columns or 80) if stdout else 80
    except (ValueError, OSError):
        return 80


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=terminal_width() - 2)


def storage_options_parent() -> argparse.ArgumentParser:
    """Options every command that reaches a storage takes."""
    parent = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
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
    parent = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
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


class Commands:
    """The commands' sub-parsers, built in full only for the command that runs.

    Every command is listed (name, summary, function) so that `--help` shows them all,
    but only `full` (None: every command) gets its arguments, description and shared
    option groups: each argparse parser and argument costs gettext look-ups and a help
    formatter, about 1 ms per command, which is most of what `--help` took.
    """

    def __init__(self, action: Any, full: str | None = None) -> None:
        self.action = action
        self.full = full

    def builds(self, name: str) -> bool:
        return self.full is None or self.full == name


class _Unbuilt:
    """Stands in for the parser of a command that does not run: its arguments go nowhere."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None

    def add_mutually_exclusive_group(self, *args: Any, **kwargs: Any) -> _Unbuilt:
        return self


def add_command(sub: Commands, name: str, func: Command, summary: str, description: str,
                examples: Sequence[str], parents: Sequence[argparse.ArgumentParser] = (),
                ) -> Arguments:
    if not sub.builds(name):
        sub.action.add_parser(name, help=summary, add_help=False).set_defaults(func=func)
        return _Unbuilt()
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    parser: argparse.ArgumentParser = sub.action.add_parser(
        name, help=summary, description=description, epilog=epilog,
        formatter_class=HelpFormatter, parents=list(parents))
    parser.set_defaults(func=func)
    return parser


def add_vault_argument(parser: Arguments) -> None:
    parser.add_argument("vault", metavar="VAULT",
                        help="the vault's location: a path or any fsspec URL "
                             "(s3://bucket/vault, abfs://container/vault, sftp://host/vault)")


def add_jobs_argument(parser: Arguments) -> None:
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
    from vaultui.crypto.masterkeyfile import check_scrypt_parameters

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
    from vaultui.fs.storage import storage_timeout

    try:
        return storage_timeout(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
