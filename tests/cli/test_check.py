"""verify (each damaged file reported, exit 6) and the name mapping commands."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from clihelpers import Run, VaultTarget, open_target

from vaultui.fs.filesystem import VaultFileSystem


def fill(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "good.bin").write_bytes(os.urandom(100_000))
    (src / "sub" / "bad.bin").write_bytes(os.urandom(100_000))
    (src / "sub" / "also-bad.txt").write_bytes(b"x" * 1000)
    assert cli(*vault.args("put", str(src / "good.bin"), str(src / "sub"), "/")).code == 0


def test_verify_reports_each_damaged_file(local_target: VaultTarget, cli: Run,
                                          tmp_path: Path) -> None:
    assert cli(*local_target.args("init", "--scrypt-cost", "1024")).code == 0
    fill(local_target, cli, tmp_path)
    r = cli(*local_target.args("verify"))
    assert r.code == 0, r
    assert r.out.strip() == "OK   3 files, 196.3 KiB authenticated"

    for name in ("sub/bad.bin", "sub/also-bad.txt"):
        storage = cli(*local_target.args("encrypt-name", name)).out.split("\t")[1].strip()
        path = Path(local_target.url) / storage
        data = bytearray(path.read_bytes())
        data[-3] ^= 0x40
        path.write_bytes(bytes(data))
    r = cli(*local_target.args("verify", "-j", "2"))
    assert r.code == 6
    bad = [line for line in r.out.splitlines() if line.startswith("BAD")]
    assert [line.split(":")[0] for line in bad] == ["BAD  sub/also-bad.txt", "BAD  sub/bad.bin"]
    assert "authentication failed" in bad[0]
    assert r.out.splitlines()[-1].startswith("FAIL") and "2 damaged" in r.out
    assert cli(*local_target.args("verify", "good.bin")).code == 0


def test_encrypt_name_and_decrypt_name_are_inverse(vault: VaultTarget, cli: Run,
                                                   tmp_path: Path) -> None:
    fill(vault, cli, tmp_path)
    r = cli(*vault.args("encrypt-name", "sub", "sub/bad.bin", "good.bin"))
    assert r.code == 0, r
    rows = [line.split("\t") for line in r.out.splitlines()]
    assert [clear for clear, _ in rows] == ["sub", "sub", "sub/bad.bin", "good.bin"]
    assert all(c.startswith("d/") for _, c in rows)
    r = cli(*vault.args("decrypt-name", *[c for _, c in rows]))
    assert r.code == 0, r
    assert [line.split("\t")[1] for line in r.out.splitlines()] == [
        "sub", "sub", "sub/bad.bin", "good.bin"]
    r = cli(*vault.args("decrypt-name", "d/AA/BBBB/nothing.c9r"))
    assert r.code == 4 and "not an item of this vault" in r.err


def siv_name(vfs: VaultFileSystem, plain: bytes, dir_id: str) -> str:
    """The stored name `X.c9r` of any bytes as a name, which encrypt_name refuses to make:
    what another (or a broken) writer could store."""
    sealed = vfs.cryptor.names._siv.encrypt(plain, [dir_id.encode()])
    return base64.urlsafe_b64encode(sealed).decode("ascii") + ".c9r"


def storage_objects(vfs: VaultFileSystem) -> dict[str, int]:
    vfs.storage.invalidate_cache()
    found = vfs.storage.find(vfs.location.root, detail=True)
    return {path: int(info["size"]) for path, info in found.items()}


def test_verify_reports_every_undecryptable_entry_and_goes_on(vault: VaultTarget, cli: Run
                                                              ) -> None:
    vfs = open_target(vault)
    storage, mapper = vfs.storage, vfs.mapper
    long_name = "L" * 160 + ".txt"  # stored shortened, as H.c9s/name.c9s + contents.c9r
    for path, data in [("good.txt", b"good"), ("docs/seed.txt", b"seed"),
                       ("docs/moved.txt", b"moved"), (f"docs/{long_name}", b"long"),
                       ("docs/damaged.bin", os.urandom(50_000))]:
        vfs.pipe_file(path, data)
    docs_id = mapper.dir_id("docs")
    docs_content, root_content = mapper.content_dir(docs_id), mapper.content_dir("")
    seed = bytes(storage.cat_file(vfs.info("docs/seed.txt")["ciphertext_path"]))
    # A node moved into another folder: its name was encrypted for docs, not the root.
    moved = vfs.info("docs/moved.txt")["node_path"]
    storage.mv(moved, f"{root_content}/{moved.rpartition('/')[2]}")
    # A name.c9s that does not belong to its shortened node.
    long_node = vfs.info(f"docs/{long_name}")["node_path"]
    storage.pipe_file(f"{long_node}/name.c9s", siv_name(vfs, b"other", docs_id).encode())
    # Names no writer may store: empty, not UTF-8, '..', with a '/'.
    for plain in (b"", b"\xff\xfe.txt", b"..", b"x/y"):
        storage.pipe_file(f"{docs_content}/{siv_name(vfs, plain, docs_id)}", seed)
    damaged = vfs.info("docs/damaged.bin")["ciphertext_path"]
    flipped = bytearray(storage.cat_file(damaged))
    flipped[-5] ^= 1
    storage.pipe_file(damaged, bytes(flipped))
    before = storage_objects(vfs)

    r = cli(*vault.args("verify"))
    assert r.code == 6, r
    bad = [line for line in r.out.splitlines() if line.startswith("BAD")]
    expected = [
        ("BAD  /: ", "its name does not decrypt in this folder (moved here from another "
                    "folder, or damaged)"),
        ("BAD  docs/..: ", "'..' cannot be a file name"),
        ("BAD  docs/damaged.bin: ", "authentication failed"),
        ("BAD  docs/x/y: ", "the name contains '/'"),
    ]
    for start, reason in expected:
        assert any(line.startswith(start) and reason in line for line in bad), (start, r.out)
    docs_lines = [line for line in bad if line.startswith("BAD  docs: ")]
    assert len(docs_lines) == 3, r.out
    for reason in ("its name.c9s does not match the shortened name",
                   "a decrypted name is empty", "a decrypted name is not valid UTF-8"):
        assert any(reason in line for line in docs_lines), (reason, r.out)
    assert all(" d/" in line for line in docs_lines)  # the node, by its storage path
    assert len(bad) == 7
    assert r.out.splitlines()[-1].startswith("FAIL 3 files, ") and "; 7 damaged" in r.out
    assert storage_objects(vfs) == before  # verify wrote nothing


def test_verify_reports_conflict_copies_without_resolving_them(vault: VaultTarget, cli: Run
                                                               ) -> None:
    vfs = open_target(vault)
    vfs.pipe_file("report.txt", b"version 1")
    node = vfs.info("report.txt")["node_path"]
    copy = node[: -len(".c9r")] + " (1).c9r"
    vfs.storage.cp_file(node, copy)
    before = storage_objects(vfs)
    r = cli(*vault.args("verify"))
    assert r.code == 0, r
    assert r.out.splitlines() == [
        "NOTE report (1).txt: a sync-conflict copy of 'report.txt' (a sync client kept both "
        "versions); listing the folder in vaultui or Cryptomator gives it a name of its own",
        "OK   2 files, 18 B authenticated; 1 note"]
    assert storage_objects(vfs) == before  # not renamed: verify never writes

    data = bytearray(vfs.storage.cat_file(copy))
    data[-1] ^= 1
    vfs.storage.pipe_file(copy, bytes(data))
    r = cli(*vault.args("verify"))
    assert r.code == 6, r
    assert "BAD  report (1).txt: authentication failed" in r.out
