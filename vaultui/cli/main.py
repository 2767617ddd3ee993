"""vaultui-cli: Cryptomator vaults on any fsspec storage, from the command line.

Start-up is kept to argparse and the command modules' registrations: a command's
implementation (fsspec, the crypto, the jobs) is imported when it runs, so `--help` and
`--version` cost about what a bare interpreter does (bench/cli_startup.py;
tests/cli/test_startup.py keeps fsspec and asyncio out of them).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from vaultui import __version__
from vaultui.cli.exitcodes import ExitCode

VERSION = f"vaultui-cli {__version__}"

DESCRIPTION = """\
Work with Cryptomator (vault format 8) vaults on any storage fsspec reaches: a folder,
S3, Azure Blob, SFTP. Vault commands take the vault's location first, then paths inside
the vault.

passphrases come from --passphrase-file, $VAULTUI_PASSPHRASE, the OS keyring
(`vaultui-cli remember`), or a prompt; they are never echoed. A shared vault also opens
with your own key (--identity, the keyring's age identity, ~/.ssh) or AWS KMS (`share`).

keys without a vault (like fsspec-encrypted): gen-key, encrypt, decrypt; `import` moves
fsspec-encrypted files into a vault.

exit codes: 0 ok, 1 other error, 2 usage, 3 wrong passphrase or key, 4 not found,
5 storage unreachable, 6 corrupt or tampered data, 7 already exists, 8 keyring
unavailable, 130 interrupted (details: docs/CLI.md).
"""

EPILOG = """\
examples:
  vaultui-cli init ~/vault
  vaultui-cli put ~/vault report.pdf docs
  vaultui-cli ls -l ~/vault docs
  vaultui-cli get s3://bucket/vault docs ~/restore --storage-options-file s3.json
  vaultui-cli COMMAND --help
"""


def build_parser(command: str | None = None
                 ) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each command's own parser by name.

    Only `command` (None: every command) is built with its arguments; the others are
    listed with their summaries (see parser.Commands).
    """
    from vaultui.cli.commands import (
        check,
        files,
        importing,
        keys,
        mounting,
        sharing,
        standalone,
        vault,
    )
    from vaultui.cli.parser import (
        Commands,
        HelpFormatter,
        storage_options_parent,
        unlock_parent,
    )

    parser = argparse.ArgumentParser(prog="vaultui-cli", description=DESCRIPTION,
                                     epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=VERSION)
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    table = Commands(sub, command)
    storage, unlock = storage_options_parent(), unlock_parent()
    for module in (vault, files, keys, sharing, check, standalone, importing, mounting):
        module.register(table, storage, unlock)
    return parser, dict(sub.choices)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """Options may come before, between or after a command's positional arguments.

    argparse alone binds an optional positional (`ls VAULT [PATH]`) before it sees a later
    option, so `ls VAULT --json PATH` would fail; each command's parser therefore parses
    its own arguments intermixed.
    """
    index = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    parser, commands = build_parser("" if index is None else argv[index])
    if index is None or argv[index] not in commands:
        return parser.parse_args(argv)  # --help, --version, or an error message
    top = parser.parse_args(argv[:index])
    command = commands[argv[index]]
    args = command.parse_intermixed_args(bind_dash_values(command, argv[index + 1:]))
    args.debug = top.debug or getattr(args, "debug", False)
    return args


def bind_dash_values(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """Join `--opt VALUE` into `--opt=VALUE` when VALUE starts with '-'.

    argparse reads a value such as a base64 key `-Qz3...` (one key in 64 starts with '-')
    or a salt `-x` as an unknown option and fails with "expected one argument". A value
    that is itself one of the command's options is left alone, so a forgotten value still
    gets argparse's own message.
    """
    takes_value = {s for a in parser._actions if a.nargs is None and a.option_strings
                   for s in a.option_strings}
    known = set(parser._option_string_actions)
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out += [word, *words]
        elif word in takes_value:
            value = next(words, None)
            if value is None:
                out.append(word)
            elif value.startswith("-") and value != "-" and value.split("=")[0] not in known:
                out.append(f"{word}={value}")
            else:
                out += [word, value]
        else:
            out.append(word)
    return out


def _silence_stdout() -> None:
    # After a broken pipe, let the interpreter's final flush go nowhere instead of
    # printing "Exception ignored ... BrokenPipeError".
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:
        print(VERSION)  # what argparse prints, without building every command's parser
        return ExitCode.OK
    args = parse_arguments(words)
    if not hasattr(args, "func"):
        build_parser("")[0].print_help(sys.stderr)
        return ExitCode.USAGE
    if hasattr(args, "storage_timeout"):
        from vaultui.fs.storage import STORAGE_TIMEOUT_ENV

        # Every storage this process opens reads it, the vault's and an import's source.
        os.environ[STORAGE_TIMEOUT_ENV] = str(args.storage_timeout)
    try:
        from vaultui.cli.context import Context

        return int(args.func(Context(args)))
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OK
    except Exception as exc:
        return _fail(args, exc)
    except KeyboardInterrupt as exc:
        return _fail(args, exc)


def _fail(args: argparse.Namespace, exc: BaseException) -> int:
    from vaultui.cli.errors import classify

    code, message = classify(exc)
    if args.debug:
        import traceback

        traceback.print_exc()
    print(f"vaultui-cli: error: {message}", file=sys.stderr)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
