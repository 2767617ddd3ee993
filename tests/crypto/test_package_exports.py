"""vaultui.crypto loads its names on first use; they must be the same objects as before."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import vaultui.crypto
from vaultui.crypto import _EXPORTS, _SUBMODULES


@pytest.mark.parametrize("name", vaultui.crypto.__all__)
def test_every_exported_name_is_its_module_object(name: str) -> None:
    module = importlib.import_module(f"vaultui.crypto.{_EXPORTS[name]}")
    assert getattr(vaultui.crypto, name) is getattr(module, name)


def test_exports_and_submodules_are_listed() -> None:
    assert sorted(_EXPORTS) == sorted(vaultui.crypto.__all__)
    listing = dir(vaultui.crypto)
    assert set(vaultui.crypto.__all__) <= set(listing)
    assert _SUBMODULES.issubset(listing)
    assert vaultui.crypto.stream.encrypt_stream is not None
    with pytest.raises(AttributeError):
        vaultui.crypto.no_such_name  # noqa: B018


def test_streaming_imports_only_what_it_needs() -> None:
    code = ("import sys; import vaultui.crypto.stream; "
            "print(sorted(m for m in sys.modules if m.startswith('vaultui.crypto.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    for heavy in ("masterkeyfile", "names", "recovery", "cryptor"):
        assert f"vaultui.crypto.{heavy}'" not in out
    code = "from vaultui.crypto import *; print(VaultCryptor.__name__, MasterkeyFile.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["VaultCryptor", "MasterkeyFile"]
