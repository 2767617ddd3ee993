"""The exit codes of vaultui-cli, one per kind of failure a script may want to tell apart."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented in docs/CLI.md ("Exit codes"); never renumber one that shipped."""

    OK = 0
    #: Anything not listed below (an unsupported vault, a folder where a file was expected…).
    ERROR = 1
    #: Bad command line: unknown option, missing argument, no passphrase source.
    USAGE = 2
    #: Wrong passphrase, wrong key, a recovery key that does not decode or fits another vault.
    AUTH = 3
    #: No vault at the location, or no such file or folder in it.
    NOT_FOUND = 4
    #: The storage cannot be reached or refuses access (network, credentials, permissions).
    STORAGE = 5
    #: Data failed authentication or is malformed: a damaged or tampered file or vault.
    CORRUPT = 6
    #: The target already exists (a vault at `init`, a folder at `mkdir`).
    EXISTS = 7
    #: The OS keyring is unavailable, locked or refused (`remember`, `forget`).
    KEYRING = 8
    #: Interrupted (Ctrl-C) or cancelled.
    CANCELLED = 130
