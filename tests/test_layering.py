"""The layering rules of docs/style: only vaultui.gui may load Qt; the crypto layer is pure.

Each package is imported, module by module, in a fresh interpreter, so what other tests
imported cannot hide a leak. New modules are found by walking the package, so the test keeps
covering them without edits.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# package -> top-level modules that importing any of its modules must not load
FORBIDDEN = {
    "vaultui.crypto": ["PySide6", "fsspec", "keyring"],
    "vaultui.fs": ["PySide6"],
    "vaultui.secrets": ["PySide6"],
    "vaultui.tasks": ["PySide6"],
    "vaultui.mount": ["PySide6"],
    "vaultui.cli": ["PySide6"],
}

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
modules = [package.__name__]
def failed(name):
    raise ImportError(f"cannot import {name}")
for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".", onerror=failed):
    importlib.import_module(info.name)
    modules.append(info.name)
print(json.dumps({"modules": modules, "loaded": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_load_forbidden_modules(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"importing {package} failed:\n{result.stderr}"
    report = json.loads(result.stdout.splitlines()[-1])
    assert package in report["modules"]
    leaks = {
        module
        for module in report["loaded"]
        for forbidden in FORBIDDEN[package]
        if module == forbidden or module.startswith(forbidden + ".")
    }
    assert not leaks, f"{package} ({len(report['modules'])} modules) loads {sorted(leaks)}"
