"""Where passphrases come from: prompt (never echoed), file, environment; and never leaked."""

from __future__ import annotations

from pathlib import Path

from clihelpers import FAST_INIT, PASSPHRASE, Run, VaultTarget
from ttyrun import run_on_tty

SECRET = "prompted pässphrase"


def test_init_asks_twice_and_retries_until_they_match(local_target: VaultTarget,
                                                      cli: Run) -> None:
    r = run_on_tty(*local_target.args("init", *FAST_INIT, "--no-keyring"),
                   answers=[SECRET, "something else", "short", SECRET, SECRET])
    assert r.code == 0, r
    assert "differ" in r.err and "at least 8 characters" in r.err
    assert SECRET not in r.echoed and SECRET not in r.err and SECRET not in r.out
    assert cli(*local_target.args("ls"), passphrase=SECRET).code == 0


def test_unlock_prompt_retries_a_wrong_passphrase(vault: VaultTarget) -> None:
    if vault.options:  # the prompt works the same on every storage: test it once
        return
    r = run_on_tty(*vault.args("ls", "--no-keyring"), answers=["wrong one!", PASSPHRASE])
    assert r.code == 0, r
    assert "wrong passphrase, try again" in r.err
    assert PASSPHRASE not in r.echoed


def test_three_wrong_answers_fail_with_the_auth_code(local_target: VaultTarget,
                                                     cli: Run) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    r = run_on_tty(*local_target.args("ls", "--no-keyring"), answers=["bad 1", "bad 2", "bad 3"])
    assert r.code == 3, r
    assert r.err.rstrip().endswith("vaultui-cli: error: wrong passphrase")


def test_no_terminal_and_no_source_is_a_usage_error(local_target: VaultTarget,
                                                    cli: Run) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    r = cli(*local_target.args("ls", "--no-keyring"), passphrase=None)
    assert r.code == 2
    assert "--passphrase-file" in r.err and "VAULTUI_PASSPHRASE" in r.err
    assert "Traceback" not in r.err


def test_passphrase_file(local_target: VaultTarget, cli: Run, tmp_path: Path) -> None:
    secret_file = tmp_path / "pass.txt"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    assert cli(*local_target.args("init", *FAST_INIT, "--passphrase-file", str(secret_file)),
               passphrase=None).code == 0
    assert cli(*local_target.args("ls", "--passphrase-file", str(secret_file)),
               passphrase=None).code == 0
    # The file's line break is not part of the passphrase, so the variable matches it.
    assert cli(*local_target.args("ls"), passphrase=SECRET).code == 0
    assert cli(*local_target.args("ls", "--passphrase-file", str(tmp_path / "missing")),
               passphrase=None).code == 2


def test_the_passphrase_never_appears_in_output(local_target: VaultTarget, cli: Run) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    wrong = "a-very-recognisable-wrong-passphrase"
    r = cli(*local_target.args("ls", "--debug"), passphrase=wrong)
    assert r.code == 3
    assert "Traceback" in r.err  # --debug shows it...
    assert wrong not in r.err and wrong not in r.out  # ...without the secret
    assert PASSPHRASE not in r.err


def test_short_new_passphrase_is_refused(local_target: VaultTarget, cli: Run) -> None:
    r = cli(*local_target.args("init", *FAST_INIT), passphrase="short")
    assert r.code == 2 and "at least 8" in r.err
