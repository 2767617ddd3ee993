"""vaultui-cli import, fed by the real fsspec-encrypted: 0.4 (Fernet) and 0.8 (AES-CBC).

Each version is installed from PyPI into its own throwaway venv (once per session) and
writes the input files through its own EncryptedFS, appends included.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clihelpers import FAST_INIT, Run, VaultTarget, s3_options

PRODUCER = r"""
import base64, json, sys
from fsspec_encrypted.fs_enc import EncryptedFS
spec = json.load(open(sys.argv[1]))
key = spec["key"].encode() if spec["fernet"] else base64.b64decode(spec["key"])
fs = EncryptedFS(key)
for path, chunks in spec["files"].items():
    chunks = [base64.b64decode(c) for c in chunks]
    fs.writebytes(path, chunks[0])
    for chunk in chunks[1:]:
        fs.appendbytes(path, chunk)
out = {}
for path in spec["files"]:
    try:
        out[path] = base64.b64encode(fs.readbytes(path)).decode()
    except Exception as e:
        out[path] = "error: " + type(e).__name__
print(json.dumps(out))
"""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def fsenc_pythons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Python with fsspec-encrypted 0.4 and one with 0.8, each in its own venv."""
    base = tmp_path_factory.mktemp("fsenc")
    pythons: dict[str, Path] = {}
    for version in ("0.4", "0.8"):
        venv = base / f"fsenc-{version}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        r = subprocess.run([str(python), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", f"fsspec-encrypted=={version}"],
                           capture_output=True, text=True, timeout=600, check=False)
        if r.returncode != 0:
            reason = f"cannot install fsspec-encrypted=={version} from PyPI: {r.stderr[-500:]}"
            if in_ci():
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
        pythons[version] = python
    return pythons


def produce(python: Path, root: Path, key: str, fernet: bool,
            files: dict[str, list[bytes]]) -> dict[str, str]:
    """Write `files` (each as a first write plus appends) with fsspec-encrypted itself."""
    spec = {"key": key, "fernet": fernet,
            "files": {str(root / rel): [base64.b64encode(c).decode() for c in chunks]
                      for rel, chunks in files.items()}}
    spec_file = root.parent / f"{root.name}.json"
    spec_file.write_text(json.dumps(spec))
    r = subprocess.run([str(python), "-c", PRODUCER, str(spec_file)], capture_output=True,
                       text=True, timeout=120, check=True)
    readback: dict[str, str] = json.loads(r.stdout)
    return readback


FILES = {
    "notes/hello.txt": [b"hello from fsspec-encrypted\n"],
    "notes/appended.txt": [b"A" * 20, b"B" * 5],  # 0.4's own reader silently drops the B's
    "notes/three.txt": [b"one ", b"two " * 10, b"three"],
    "deep/a/b/blob.bin": [os.urandom(200_000)],
    "empty.txt": [b""],
}


def expected(rel: str) -> bytes:
    return b"".join(FILES[rel])


def fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def check_vault(cli: Run, vault: VaultTarget, dest: str) -> None:
    for rel in FILES:
        r = cli(*vault.args("cat", f"{dest}/{rel}"))
        assert r.code == 0, r
        assert r.raw == expected(rel), rel


def test_import_fernet_generation(fsenc_pythons: dict[str, Path], vault: VaultTarget,
                                  cli: Run, tmp_path: Path) -> None:
    key = fernet_key()
    src = tmp_path / "fernet-src"
    readback = produce(fsenc_pythons["0.4"], src, key, True, FILES)
    # The bug we do not copy: 0.4 splits on b"==" and loses the appended B's, silently.
    assert base64.b64decode(readback[str(src / "notes/appended.txt")]) == b"A" * 20
    key_file = tmp_path / "fsenc.key"
    key_file.write_text(key + "\n")
    r = cli(*vault.args("import", str(src), "old", "--key-file", str(key_file)))
    assert r.code == 0, r
    assert "imported 5 files" in r.err and "5 fernet" in r.err
    assert "no authentication" not in r.err
    check_vault(cli, vault, "old")


def test_import_cbc_generation_warns(fsenc_pythons: dict[str, Path], vault: VaultTarget,
                                     cli: Run, tmp_path: Path) -> None:
    raw = os.urandom(32)
    key = base64.b64encode(raw).decode()
    src = tmp_path / "cbc-src"
    produce(fsenc_pythons["0.8"], src, key, False, FILES)
    r = cli(*vault.args("import", str(src), "--key", key, "-j", "3"))
    assert r.code == 0, r
    assert "5 cbc" in r.err
    assert "5 file(s) were in fsspec-encrypted's AES-CBC format, which has no authentication" \
        in r.err
    check_vault(cli, vault, "")


def test_import_from_s3_and_wrong_key(fsenc_pythons: dict[str, Path], s3fs_fs: object,
                                      s3_server: str, local_target: VaultTarget, cli: Run,
                                      tmp_path: Path) -> None:
    key = fernet_key()
    src = tmp_path / "src"
    produce(fsenc_pythons["0.4"], src, key, True, FILES)
    s3 = s3fs_fs.fs  # type: ignore[attr-defined]
    bucket = s3fs_fs.root  # type: ignore[attr-defined]
    s3.put(str(src) + "/", f"{bucket}/enc/", recursive=True)
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    source_options = [a.replace("-o", "--source-option") for a in s3_options(s3_server)]
    r = cli(*local_target.args("import", f"s3://{bucket}/enc", "from-s3", "--key", fernet_key(),
                               *source_options))
    assert r.code == 3 and "does not decrypt" in r.err, r
    assert cli(*local_target.args("ls")).out == "from-s3/\n"  # folders, but no files
    assert "hello.txt" not in cli(*local_target.args("tree")).out
    r = cli(*local_target.args("import", f"s3://{bucket}/enc", "from-s3", "--key", key,
                               *source_options))
    assert r.code == 0, r
    check_vault(cli, local_target, "from-s3")


@pytest.mark.parametrize("version", ["0.4", "0.8"])
def test_import_with_a_passphrase_derived_key(version: str, fsenc_pythons: dict[str, Path],
                                              local_target: VaultTarget, cli: Run,
                                              tmp_path: Path) -> None:
    salt = os.urandom(16).hex()
    gen = subprocess.run([str(fsenc_pythons[version]), "-m", "fsspec_encrypted.fs_enc_cli",
                          "gen-key", "--passphrase", "old pass phrase", "--salt", salt],
                         capture_output=True, text=True, timeout=120, check=True)
    key = gen.stdout.strip().splitlines()[-1]
    src = tmp_path / "src"
    produce(fsenc_pythons[version], src, key, version == "0.4",
            {"a.txt": [b"derived ", b"key"]})
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    pass_file = tmp_path / "old.pass"
    pass_file.write_text("old pass phrase\n")
    r = cli(*local_target.args("import", str(src), "--key-salt", salt,
                               "--key-passphrase-file", str(pass_file)))
    assert r.code == 0, r
    assert cli(*local_target.args("cat", "a.txt")).raw == b"derived key"
