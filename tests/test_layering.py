"""The layering rules, proved from the source against the README's Layout section.

Every module under ``vaultui`` is parsed with ``ast`` and each of its imports (at the top,
inside functions, under ``if TYPE_CHECKING:``; relative ones resolved; ``importlib`` calls
with a constant name) is held against the import table in README.md, so the README is the
one place the rules are written. Nothing is imported, so an import that only runs on some
path is checked as well as one that runs at start-up.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "vaultui"
STDLIB = "stdlib"
# The table's header, so the test finds the right table however the section grows.
HEADER = "| modules | may import | must not import |"
DYNAMIC = "<dynamic import>"
_BACKTICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Rule:
    """What the modules under `path` may import: an allow-list, or a deny-list if `allow`
    is None."""

    path: str  # "vaultui/fs" (a package) or "vaultui/demo.py" (a module)
    allow: frozenset[str] | None
    deny: frozenset[str]

    @property
    def is_module(self) -> bool:
        return self.path.endswith(".py")

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")

    def covers(self, module: str) -> bool:
        if self.is_module:
            return module == self.module
        return module == self.module or module.startswith(self.module + ".")


def _names(cell: str) -> frozenset[str]:
    return frozenset(n.replace("/", ".").removesuffix(".py") for n in _BACKTICKED.findall(cell))


def parse_rules(readme: str) -> list[Rule]:
    """The rows of the import table in the README's Layout section."""
    section = readme.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = lines.index(HEADER) + 2  # past the header and the --- row
    rules = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 3:
            raise ValueError(f"an import table row needs three cells: {line}")
        where, may, must_not = cells
        paths = _BACKTICKED.findall(where)
        if len(paths) != 1:
            raise ValueError(f"an import table row names one path: {line}")
        if may == "anything":
            allow, deny = None, frozenset[str]()
        elif may == "anything but":
            allow, deny = None, _names(must_not)
            if not deny:
                raise ValueError(f"'anything but' lists nothing: {line}")
        else:
            words = {w.strip() for w in _BACKTICKED.sub("", may).split(",")} - {""}
            if words - {STDLIB}:
                raise ValueError(f"unknown words {sorted(words - {STDLIB})} in: {line}")
            allow = _names(may) | ({STDLIB} if STDLIB in words else set())
            deny = _names(must_not)
        rules.append(Rule(paths[0], allow, deny))
    return rules


def rule_for(rules: list[Rule], module: str) -> Rule | None:
    """The row of the longest path that covers `module`."""
    matches = [r for r in rules if r.covers(module)]
    return max(matches, key=lambda r: (len(r.module), r.is_module)) if matches else None


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _own_package(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = _own_package(module, is_package).split(".")
    if node.level - 1 > len(base) - 1:
        raise ValueError(f"{module}: relative import beyond the top package")
    base = base[:len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _dynamic_name(call: ast.Call, module: str, is_package: bool) -> str | None:
    """The module an importlib/__import__ call loads; '' if the test cannot tell."""
    func = call.func
    name = (func.attr if isinstance(func, ast.Attribute)
            else func.id if isinstance(func, ast.Name) else "")
    if name not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    # f"{__name__}.x": a module of this package (crypto/__init__.py's lazy exports).
    if (isinstance(arg, ast.JoinedStr) and arg.values
            and isinstance(arg.values[0], ast.FormattedValue)
            and isinstance(arg.values[0].value, ast.Name)
            and arg.values[0].value.id == "__name__"):
        return module
    return ""


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """(line, names) of every import statement in `source`, wherever it stands.

    `from X import a` names X and X.a, as `a` may be a submodule (`from vaultui import gui`).
    """
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            found.append((node.lineno, [base, *(f"{base}.{alias.name}" for alias in node.names
                                                if alias.name != "*")]))
        elif isinstance(node, ast.Call):
            name = _dynamic_name(node, module, is_package)
            if name is not None:
                found.append((node.lineno, [name or DYNAMIC]))
    return sorted(found)


def _within(name: str, names: frozenset[str]) -> bool:
    return any(name == n or name.startswith(n + ".") for n in names)


def allowed(rule: Rule, imported: str) -> bool:
    if imported == DYNAMIC:
        return False
    top = imported.split(".")[0]
    # Its own package, and the top-level vaultui that loads with every package.
    if imported in (PACKAGE, rule.module) or (
            not rule.is_module and _within(imported, frozenset({rule.module}))):
        return True
    if _within(imported, rule.deny):
        return False
    if rule.allow is None:
        return True
    if STDLIB in rule.allow and top in sys.stdlib_module_names:
        return True
    return _within(imported, rule.allow - {STDLIB})


def violations(root: Path, rules: list[Rule]) -> list[str]:
    """Every import under `root`/vaultui that its row forbids, and every module no row
    covers."""
    found = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        module = module_name(root, path)
        rule = rule_for(rules, module)
        where = path.relative_to(root)
        if rule is None:
            found.append(f"{where}: no row of the README's import table covers it")
            continue
        source = path.read_text(encoding="utf-8")
        for line, names in imports_of(source, module, path.name == "__init__.py"):
            refused = [name for name in names if not allowed(rule, name)]
            if refused:
                found.append(f"{where}:{line}: imports {refused[0]} ({rule.path} may not)")
    return found


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return parse_rules((ROOT / "README.md").read_text(encoding="utf-8"))


def test_vaultui_follows_the_readme_import_table(rules: list[Rule]) -> None:
    assert violations(ROOT, rules) == []


def test_the_table_has_a_row_for_every_layer(rules: list[Rule]) -> None:
    paths = {r.path for r in rules}
    for layer in ("crypto", "fs", "secrets", "tasks", "mount", "cli", "gui"):
        assert f"vaultui/{layer}" in paths
    # What a row names as forbidden is not also on its allow-list.
    for rule in rules:
        assert rule.allow is None or not any(_within(d, rule.allow) for d in rule.deny), rule
    # Every package under vaultui is in the Layout table, so none escapes by being new.
    layout = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Layout", 1)[1]
    for package in sorted((ROOT / PACKAGE).iterdir()):
        if (package / "__init__.py").exists():
            assert f"| `vaultui/{package.name}` |" in layout


def test_the_rules_say_what_the_layers_may_import(rules: list[Rule]) -> None:
    def ok(module: str, imported: str) -> bool:
        rule = rule_for(rules, module)
        assert rule is not None
        return allowed(rule, imported)

    assert ok("vaultui.crypto.names", "cryptography.hazmat.primitives.ciphers.aead")
    assert ok("vaultui.crypto.names", "hashlib")
    assert not ok("vaultui.crypto.names", "fsspec")
    assert not ok("vaultui.crypto.names", "vaultui.fs.nodes")
    assert ok("vaultui.fs.nodes", "vaultui.crypto.names")
    assert ok("vaultui.fs.storage", "fsspec.implementations.local")
    for banned in ("keyring", "PySide6.QtCore", "shiboken6", "vaultui.secrets", "zxcvbn"):
        assert not ok("vaultui.fs.nodes", banned)
    assert not ok("vaultui.secrets.store", "vaultui.fs.vault")
    assert ok("vaultui.secrets.keyring_store", "keyring.errors")
    assert ok("vaultui.tasks.job", "vaultui.secrets")
    assert not ok("vaultui.tasks.job", "vaultui.gui.core.worker")
    assert not ok("vaultui.mount.webdav", "vaultui.cli.main")
    assert ok("vaultui.mount.webdav", "vaultui.tasks.job")
    assert not ok("vaultui.cli.main", "vaultui.gui")
    assert not ok("vaultui.cli.main", "shiboken6")
    assert ok("vaultui.cli.main", "vaultui.mount")
    assert ok("vaultui.gui.app", "PySide6.QtWidgets")
    assert ok("vaultui", "importlib")
    assert not ok("vaultui", "fsspec")


BAD_MODULES = {
    "in a function": ("vaultui/fs/lazy.py", "def f():\n    import keyring\n", "keyring"),
    "type checking": ("vaultui/tasks/typed.py",
                      "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from PySide6.QtCore import QObject\n", "PySide6.QtCore"),
    "relative": ("vaultui/cli/rel.py", "from ..gui import app\n", "vaultui.gui"),
    "relative in a package": ("vaultui/cli/sub/__init__.py", "from ...gui import x\n",
                              "vaultui.gui"),
    "from the top": ("vaultui/cli/top.py", "from vaultui import gui\n", "vaultui.gui"),
    "shiboken": ("vaultui/mount/dav.py", "import shiboken6\n", "shiboken6"),
    "crypto on storage": ("vaultui/crypto/io.py", "import fsspec\n", "fsspec"),
    "crypto upwards": ("vaultui/crypto/up.py", "from vaultui.fs import nodes\n", "vaultui.fs"),
    "importlib": ("vaultui/secrets/dyn.py",
                  "import importlib\nimportlib.import_module('vaultui.fs.vault')\n",
                  "vaultui.fs.vault"),
    "unknown dynamic": ("vaultui/fs/dyn.py",
                        "import importlib\nname = 'x'\nimportlib.import_module(name)\n",
                        "<dynamic import>"),
    "root": ("vaultui/__init__.py", "import fsspec\n", "fsspec"),
}


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(tmp_path).parents:
            if str(folder) != "." and not (tmp_path / folder / "__init__.py").exists():
                (tmp_path / folder / "__init__.py").write_text("")
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize("case", sorted(BAD_MODULES))
def test_a_bad_module_is_caught(tmp_path: Path, rules: list[Rule], case: str) -> None:
    name, text, imported = BAD_MODULES[case]
    root = _tree(tmp_path, {name: text})
    found = violations(root, rules)
    assert len(found) == 1, found
    assert found[0].startswith(f"{name}:") and f"imports {imported} " in found[0]


def test_good_modules_pass(tmp_path: Path, rules: list[Rule]) -> None:
    root = _tree(tmp_path, {
        "vaultui/__init__.py": '"""top"""\nimport sys\n',
        "vaultui/crypto/__init__.py": "import importlib\n"
                                      "def f(n):\n    return importlib.import_module("
                                      "f'{__name__}.{n}')\n",
        "vaultui/crypto/a.py": "from . import b\nfrom .b import c\nimport hmac\n",
        "vaultui/fs/x.py": "from ..crypto import names\nimport fsspec.spec\n",
        "vaultui/gui/w.py": "import PySide6.QtCore\nfrom vaultui.cli import main\n",
        "vaultui/cli/m.py": "from vaultui.tasks import job\nimport keyring\n",
    })
    assert violations(root, rules) == []


def test_a_module_no_row_covers_is_caught(tmp_path: Path, rules: list[Rule]) -> None:
    root = _tree(tmp_path, {"vaultui/newlayer/x.py": "import os\n"})
    assert violations(root, rules) == [
        f"vaultui/newlayer/{name}: no row of the README's import table covers it"
        for name in ("__init__.py", "x.py")]


def test_a_malformed_table_is_refused() -> None:
    readme = f"# x\n\n## Layout\n\n{HEADER}\n| --- | --- | --- |\n| `vaultui/fs` | all | x |\n"
    with pytest.raises(ValueError, match="unknown words"):
        parse_rules(readme)
