"""Every crafted hostile vault (craft.py), through every read-only vaultui-cli command,
in a subprocess: bounded time, bounded peak memory, a clear outcome, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from craft import CASES, DEPTH, PASSPHRASE, build

CLI = Path(sys.executable).parent / "vaultui-cli"
MEASURE = Path(__file__).with_name("measure.py")
#: Per command: generous for a loaded 2-core machine; a hang or a quadratic walk is not.
SECONDS = 30.0
#: Peak RSS per command. vaultui-cli itself needs about 40 MiB; reading one of the huge
#: files whole would need 300 MiB or 2 GiB more.
MAX_RSS_MIB = 150
COMMANDS = {
    "info": ["info", "{vault}", "--no-keyring"],
    "ls": ["ls", "-l", "{vault}"],
    "tree": ["tree", "{vault}"],
    "verify": ["verify", "{vault}"],
    "get": ["get", "{vault}", "/", "{out}"],
}
#: What each command may end with: 0, or the documented codes for failures.
ALLOWED = {0, 1, 3, 4, 6}


@dataclass(frozen=True)
class Outcome:
    case: str
    command: str
    code: int
    timed_out: bool
    max_rss_mib: float
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (f"{self.case} / {self.command}: exit {self.code}, "
                f"{self.max_rss_mib:.0f} MiB{' TIMED OUT' if self.timed_out else ''}\n"
                f"{self.stdout[-400:]}\n{self.stderr[-800:]}")


def _run(case: str, command: str, vault: str, work: Path) -> Outcome:
    out = work / f"{case}-{command}"
    argv = [a.format(vault=vault, out=str(out / "restore")) for a in COMMANDS[command]]
    report = out / "report.json"
    out.mkdir()
    env = {**os.environ, "VAULTUI_PASSPHRASE": PASSPHRASE, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, str(MEASURE), str(report), str(SECONDS), str(CLI), *argv],
        stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=SECONDS + 30,
        check=False)
    found = json.loads(report.read_text())
    return Outcome(case, command, found["code"], found["timed_out"],
                   found["max_rss_kib"] / 1024, proc.stdout.decode("utf-8", "replace"),
                   proc.stderr.decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[dict[tuple[str, str], Outcome]]:
    """Every case through every command, two at a time (the machine has two cores)."""
    vaults = tmp_path_factory.mktemp("corpus")
    # `get` of the deep case makes ~1000 nested local folders: deeper than shutil.rmtree
    # (pytest's clean-up of old temp folders) can recurse. So the runs go to a folder of
    # their own, removed with rm, outside pytest's.
    work = Path(tempfile.mkdtemp(prefix="vaultui-corpus-"))
    try:
        built = {case.name: build(case, vaults) for case in CASES}
        jobs = [(name, command) for name in built for command in COMMANDS]
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = pool.map(lambda job: _run(job[0], job[1], built[job[0]], work), jobs)
            yield {(r.case, r.command): r for r in results}
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=True)


@pytest.mark.parametrize("case", [c.name for c in CASES])
def test_a_hostile_vault_is_handled_in_bounded_time_and_memory(
        outcomes: dict[tuple[str, str], Outcome], case: str) -> None:
    for command in COMMANDS:
        outcome = outcomes[(case, command)]
        assert not outcome.timed_out, str(outcome)
        assert outcome.max_rss_mib < MAX_RSS_MIB, str(outcome)
        assert "Traceback" not in outcome.stderr, str(outcome)
        assert outcome.code in ALLOWED, str(outcome)
        if outcome.code != 0:
            # A line that says what is wrong: the error, or verify's verdict.
            assert "vaultui-cli: error: " in outcome.stderr or (
                command == "verify" and "FAIL " in outcome.stdout), str(outcome)


def test_huge_files_are_refused_as_damaged(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    for case in ("huge-config", "huge-masterkey"):
        for command in COMMANDS:
            outcome = outcomes[(case, command)]
            if (case, command) == ("huge-masterkey", "info"):
                # info shows what it can, the masterkey file as damaged.
                assert outcome.code == 0 and "damaged" in outcome.stdout, str(outcome)
                continue
            assert outcome.code == 6 and "damaged" in outcome.stderr, str(outcome)
    for case in ("scrypt-cost", "scrypt-block"):
        assert outcomes[(case, "ls")].code == 6, str(outcomes[(case, "ls")])


def test_tree_shows_folders_nested_deeper_than_the_recursion_limit(
        outcomes: dict[tuple[str, str], Outcome]) -> None:
    outcome = outcomes[("deep-nesting", "tree")]
    assert outcome.code == 0, str(outcome)
    assert f"{DEPTH} folders, 0 files" in outcome.stdout, str(outcome)
