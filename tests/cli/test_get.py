"""vaultui-cli get: cp -r's rules for where things land, and a partial get that goes on."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from clihelpers import FAST_INIT, PASSPHRASE, Run, VaultTarget

from vaultui.fs.filesystem import VaultFileSystem


def tree(top: Path) -> list[str]:
    return sorted(str(p.relative_to(top)) for p in top.rglob("*"))


def put_docs(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "src" / "docs"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"a")
    (src / "sub" / "b.txt").write_bytes(b"b")
    assert cli(*vault.args("put", str(src), "/")).code == 0


def test_get_lands_where_cp_r_would(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    put_docs(vault, cli, tmp_path)
    restore = tmp_path / "restore"
    r = cli(*vault.args("get", "docs", str(restore)))
    assert r.code == 0, r
    assert tree(restore) == ["a.txt", "sub", "sub/b.txt"]  # restore is the copy
    r = cli(*vault.args("get", "docs", str(restore)))  # now it exists: docs goes into it
    assert r.code == 0, r
    assert tree(restore) == ["a.txt", "docs", "docs/a.txt", "docs/sub", "docs/sub/b.txt",
                             "sub", "sub/b.txt"]
    nested = tmp_path / "nested"
    nested.mkdir()
    assert cli(*vault.args("get", "docs/sub", str(nested))).code == 0
    assert tree(nested) == ["sub", "sub/b.txt"]


def test_a_partial_get_reports_each_bad_entry_and_exits_6(local_target: VaultTarget,
                                                         cli: Run, tmp_path: Path) -> None:
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    put_docs(local_target, cli, tmp_path)
    vfs = VaultFileSystem(local_target.url, passphrase=PASSPHRASE)
    node = vfs.ciphertext_paths("docs/a.txt")[0]
    data = bytearray(Path(node).read_bytes())
    data[-1] ^= 1
    Path(node).write_bytes(bytes(data))

    out = tmp_path / "out"
    r = cli(*local_target.args("get", "docs", str(out)))
    assert r.code == 6, r
    assert tree(out) == ["sub", "sub/b.txt"]
    lines = r.err.splitlines()
    assert any(line.startswith("vaultui-cli: not copied: docs/a.txt: authentication failed")
               for line in lines), r
    assert lines[-1] == ("vaultui-cli: error: 1 item could not be copied (listed above); "
                         "everything else was")
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]


def test_help_never_shows_secrets_on_the_command_line(cli: Run) -> None:
    commands = ["", "init", "ls", "get", "put", "passwd", "recover", "encrypt", "decrypt",
                "import", "verify"]
    for command in commands:
        r = cli(*([command] if command else []), "--help")
        assert r.code == 0, command
        assert "secret=" not in r.out and "PASSPHRASE=" not in r.out, command
    assert "--storage-options-file" in cli("--help").out


def test_nfc_and_nfd_twins_are_both_exported_and_said_so(local_target: VaultTarget, cli: Run,
                                                        tmp_path: Path) -> None:
    nfc, nfd = (unicodedata.normalize(form, "é.txt") for form in ("NFC", "NFD"))
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    vfs = VaultFileSystem(local_target.url, passphrase=PASSPHRASE)
    vfs.pipe_file(f"d/{nfc}", b"nfc")
    dir_id = vfs.mapper.dir_id("d")  # another client's write: the name not normalised
    stored = vfs.cryptor.storage_name(nfd, dir_id, as_given=True)
    vfs.storage.pipe_file(f"{vfs.mapper.content_dir(dir_id)}/{stored}",
                          vfs.cryptor.encrypt_file(b"nfd"))
    out = tmp_path / "out"
    r = cli(*local_target.args("get", "d", str(out)))
    assert r.code == 0, r
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        nfc: b"nfc", unicodedata.normalize("NFD", "é (2).txt"): b"nfd"}
    assert f"vaultui-cli: copied d/{nfd} as " in r.err and "Unicode form" in r.err
