"""The errors a command raises once it has described a failure for the user.

Apart from vaultui/cli/errors.py (which classifies every other exception and imports the
whole stack to do so), so that parsing a command line loads none of it.
"""

from __future__ import annotations

from vaultui.cli.exitcodes import ExitCode


class CliError(Exception):
    """A failure the command already described for the user."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """A command line that cannot be right: a bad value, an impossible request (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.USAGE)
