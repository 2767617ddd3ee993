"""`vaultui-cli --version` and `--help` load argparse and the command table, not the stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Heavy modules a command loads when it runs, never to print help or the version.
NOT_AT_START = ("fsspec", "asyncio", "cryptography", "vaultui.fs.filesystem",
                "vaultui.tasks.transfer", "typing")

_PROBE = """
import json, sys
from vaultui.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_by(*argv: str) -> tuple[int, set[str]]:
    """Exit code and the modules a fresh interpreter loaded to run `vaultui-cli ARGV`."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                          text=True, timeout=60, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return int(report["code"] or 0), set(report["modules"])


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["ls", "--help"],
                                  ["put", "--help"], []])
def test_help_and_version_do_not_load_the_stack(argv: list[str]) -> None:
    code, modules = loaded_by(*argv)
    assert code in (0, 2)  # no command at all is a usage error, after the help
    assert not [m for m in NOT_AT_START if m in modules]


def test_a_command_loads_what_it_needs(tmp_path) -> None:
    # The other side: laziness must not break running a command.
    code, modules = loaded_by("info", "--no-keyring", str(tmp_path / "missing"))
    assert code == 4  # not found
    assert "fsspec" in modules


def test_help_lists_every_command_and_a_command_help_its_options() -> None:
    from vaultui.cli.main import build_parser

    summary, commands = build_parser("")
    full, _ = build_parser(None)
    assert summary.format_help() == full.format_help()
    assert "--passphrase-file" in build_parser("ls")[1]["ls"].format_help()
    assert set(commands) >= {"init", "ls", "put", "get", "verify", "gen-key", "import"}
