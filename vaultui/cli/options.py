"""Storage options from the command line: `-o key=value` (JSON values) and a JSON file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode


def parse_value(text: str) -> Any:
    """JSON when it parses (numbers, booleans, objects), the plain string otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_storage_options(pairs: Sequence[str], options_file: str | None) -> dict[str, Any]:
    """Options for fsspec: the file's object first, then each `key=value` over it."""
    options: dict[str, Any] = {}
    if options_file:
        try:
            with open(options_file, encoding="utf-8") as f:
                loaded = json.load(f)
        except OSError as exc:
            raise CliError(f"cannot read the storage options file: {exc}", ExitCode.USAGE) from None
        except ValueError as exc:
            raise CliError(f"{options_file} is not valid JSON: {exc}", ExitCode.USAGE) from None
        if not isinstance(loaded, dict):
            raise CliError(f"{options_file} must hold a JSON object", ExitCode.USAGE)
        options.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--storage-option expects KEY=VALUE, got {pair!r}", ExitCode.USAGE)
        options[key.strip()] = parse_value(value)
    return options
