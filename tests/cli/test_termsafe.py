"""Names printed as text are escaped: no control character, bidi override or line break
from a vault reaches the terminal; --json stays exact."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from clihelpers import FAST_INIT, Run, VaultTarget, open_target

from vaultui.cli.termsafe import safe_message, safe_name

HOSTILE = "evil\x1b]2;pwned\x07\x1b[2J\r\nline2\u202etxt.exe\x9b"


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain name.txt", "plain name.txt"),
    ("Übergröße 日本語 😀", "Übergröße 日本語 😀"),
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
    ("txt\u202eexe.\u2066x\u2069\u200f\u061c", "txt\\u202eexe.\\u2066x\\u2069\\u200f\\u061c"),
    ("para\u2028graph\u2029", "para\\u2028graph\\u2029"),
    ("a\\b", "a\\\\b"),
    ("a\\x1b", "a\\\\x1b"),  # a literal backslash stays distinguishable from an escape
])
def test_safe_name(raw: str, shown: str) -> None:
    assert safe_name(raw) == shown
    assert shown.isprintable()


def test_safe_message_keeps_backslashes() -> None:
    assert safe_message("C:\\dir \x1b[2J") == "C:\\dir \\x1b[2J"


def test_ls_tree_and_verify_escape_names_and_json_is_exact(vault: VaultTarget, cli: Run
                                                          ) -> None:
    vfs = open_target(vault)
    vfs.pipe_file(f"dir/{HOSTILE}", b"x")
    vfs.pipe_file(f"{HOSTILE}/inner.txt", b"y")
    shown = safe_name(HOSTILE)
    for args, expected in [
        (("ls",), ["dir/", f"{shown}/"]),
        (("ls", "dir"), [shown]),
        (("tree",), ["/", "├── dir/", f"│   └── {shown}", f"└── {shown}/",
                     "    └── inner.txt", "", "2 folders, 2 files"]),
    ]:
        r = cli(*vault.args(*args))
        assert r.code == 0, r
        assert r.out.splitlines() == expected
        assert not any(c in r.out for c in "\x1b\r\x07\x9b\u202e")
    r = cli(*vault.args("ls", "-l", "dir"))
    assert r.code == 0 and len(r.out.splitlines()) == 1 and r.out.rstrip().endswith(shown)
    r = cli(*vault.args("ls", "--json", "dir"))
    assert [row["name"] for row in json.loads(r.out)] == [HOSTILE]

    data = bytearray(vfs.storage.cat_file(vfs.info(f"dir/{HOSTILE}")["ciphertext_path"]))
    data[-1] ^= 1
    vfs.storage.pipe_file(vfs.info(f"dir/{HOSTILE}")["ciphertext_path"], bytes(data))
    r = cli(*vault.args("verify"))
    assert r.code == 6
    assert r.out.splitlines()[0] == f"BAD  dir/{shown}: " + (
        "authentication failed: the data was modified, truncated, or belongs to another "
        "file or directory")
    r = cli(*vault.args("cat", f"{HOSTILE}"))
    assert r.code == 1 and "\x1b" not in r.err and len(r.err.splitlines()) == 1


def test_info_escapes_what_the_unverified_config_says(local_target: VaultTarget, cli: Run
                                                     ) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    config = Path(local_target.url) / "vault.cryptomator"
    header, payload, signature = config.read_text().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims.update(cipherCombo="SIV_GCM\x1b]0;pwned\x07", jti="id\x1b[2J")
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    config.write_text(f"{header}.{forged}.{signature}")
    r = cli(*local_target.args("info", "--no-keyring"))
    assert r.code == 0, r
    assert "cipher combo:          SIV_GCM\\x1b]0;pwned\\a" in r.out.splitlines()
    assert "\x1b" not in r.out
