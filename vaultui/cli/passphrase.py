"""Where passphrases and recovery keys come from: a file, the environment, the keyring, a prompt.

Order for an existing vault: --passphrase-file, $VAULTUI_PASSPHRASE, the OS keyring (unless
--no-keyring), then an interactive prompt. Secrets are never echoed, logged or put in messages.
"""

from __future__ import annotations

import getpass
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.crypto.constants import MIN_PASSPHRASE_LENGTH

PASSPHRASE_ENV = "VAULTUI_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
NEW_PASSPHRASE_ENV = "VAULTUI_NEW_PASSPHRASE"  # noqa: S105 - a variable name
#: Cryptomator's minimum (cryptomator.minPwLength).


def read_secret_file(path: str, what: str) -> str:
    """The file's text without its final line break; '-' reads standard input."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read the {what} file: {exc}", ExitCode.USAGE) from None
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if not text:
        raise CliError(f"the {what} file is empty", ExitCode.USAGE)
    return text


def has_terminal() -> bool:
    """True when a prompt can be shown and answered without echo."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return sys.stdin is not None and sys.stdin.isatty()
    os.close(fd)
    return True


def prompt_secret(prompt: str, hint: str) -> str:
    """Ask on the terminal without echo; `hint` says what to do when there is no terminal."""
    if not has_terminal():
        raise CliError(f"no terminal to ask for the {hint}", ExitCode.USAGE)
    with warnings.catch_warnings():
        # getpass falls back to echoing input when it cannot turn echo off: refuse that.
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(prompt)
        except getpass.GetPassWarning:
            raise CliError(f"cannot turn off echo to ask for the {hint}",
                           ExitCode.USAGE) from None
        except EOFError:
            raise CliError("no input", ExitCode.CANCELLED) from None


def check_new_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise CliError(f"a passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters",
                       ExitCode.USAGE)
    return passphrase


@dataclass
class SecretSources:
    """The sources the user gave for this run."""

    passphrase_file: str | None = None
    new_passphrase_file: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def given(self) -> tuple[str, str] | None:
        """(passphrase, source) from the file or the environment, or None."""
        if self.passphrase_file:
            return read_secret_file(self.passphrase_file, "passphrase"), "file"
        value = self.environ.get(PASSPHRASE_ENV)
        if value:
            return value, "environment"
        return None

    def ask(self, prompt: str = "Passphrase: ") -> str:
        return prompt_secret(prompt, f"passphrase (use --passphrase-file or ${PASSPHRASE_ENV})")

    def new(self, *, env: str = PASSPHRASE_ENV, file: str | None = None,
            prompt: str = "New passphrase: ") -> str:
        """A passphrase being set: from `file`, `$env`, or asked twice."""
        if file:
            return check_new_passphrase(read_secret_file(file, "passphrase"))
        value = self.environ.get(env)
        if value:
            return check_new_passphrase(value)
        hint = f"new passphrase (use a passphrase file or ${env})"
        while True:
            first = prompt_secret(prompt, hint)
            try:
                check_new_passphrase(first)
            except CliError as exc:
                print(f"{exc}; try again.", file=self.stderr)
                continue
            if prompt_secret("Repeat it: ", hint) == first:
                return first
            print("The two passphrases differ; try again.", file=self.stderr)

    def new_for_change(self, prompt: str = "New passphrase: ") -> str:
        return self.new(env=NEW_PASSPHRASE_ENV, file=self.new_passphrase_file, prompt=prompt)
