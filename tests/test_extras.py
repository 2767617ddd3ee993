"""A missing optional package is named in one line with the pip extra that installs it."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from vaultui.cli.main import main
from vaultui.extras import MissingExtraError, explain_missing, install_hint
from vaultui.fs.storage import open_location


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `modules` impossible to import, as when their package is not installed.

    A fake for a fault we cannot cause otherwise: the test environment has every extra.
    """
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ModuleNotFoundError


def test_base_package_brings_the_app_keyring_and_s3() -> None:
    required = [r for r in metadata.requires("vaultui") or [] if "extra ==" not in r]
    names = {r.split(";")[0].split(">")[0].split("=")[0].strip().lower() for r in required}
    assert {"pyside6-essentials", "keyring", "s3fs", "fsspec", "cryptography"} <= names
    assert not names & {"adlfs", "sshfs", "dask"}
    scripts = {e.name: e.value for e in metadata.entry_points(group="gui_scripts")}
    assert scripts.get("vaultui") == "vaultui.gui.start:main"


@pytest.mark.parametrize(("url", "extra"), [
    ("az://container/vault", "azure"),
    ("abfs://container/vault", "azure"),
    ("sftp://host/vault", "sftp"),
])
def test_opening_a_storage_without_its_extra_names_it(
        monkeypatch: pytest.MonkeyPatch, url: str, extra: str) -> None:
    _without(monkeypatch, "adlfs", "sshfs")
    with pytest.raises(MissingExtraError) as caught:
        open_location(url, {"account_name": "x"} if extra == "azure" else {})
    message = str(caught.value)
    assert f"pip install 'vaultui[{extra}]'" in message
    assert "\n" not in message


def test_fsspecs_own_import_error_is_explained() -> None:
    # fsspec's registry raises ImportError("Install adlfs to access ...") with no name.
    better = explain_missing(ImportError("Install adlfs to access Azure"), "az")
    assert better is not None and "vaultui[azure]" in str(better)
    assert explain_missing(ImportError("something else entirely")) is None
    assert install_hint("distributed.client") == "pip install 'vaultui[dask]'"
    assert install_hint("PySide6.QtWidgets") == "pip install --force-reinstall vaultui"


def test_cli_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _without(monkeypatch, "sshfs")
    assert main(["info", "--no-keyring", "sftp://127.0.0.1/vault"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "pip install 'vaultui[sftp]'" in err


def test_app_without_qt_says_so_in_one_line() -> None:
    code = ("import sys; sys.modules['PySide6'] = None\n"
            "from vaultui.gui.start import main\n"
            "sys.exit(main([]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "vaultui: this needs the PySide6 package, which is not installed: "
        "pip install --force-reinstall vaultui"]
