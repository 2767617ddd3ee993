"""Open with: the desktop's applications for a file type, and their command lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultui.gui.openwith import DesktopApp, applications_for, command_for


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    data, system = tmp_path / "data", tmp_path / "system"
    config = tmp_path / "config"
    for folder in (data / "applications", system / "applications", config):
        folder.mkdir(parents=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_DATA_DIRS", str(system))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    return data / "applications", system / "applications"


def desktop(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text("[Desktop Entry]\nType=Application\n" + text)


def test_defaults_first_then_the_rest_by_name(xdg: tuple[Path, Path], tmp_path: Path) -> None:
    user, system = xdg
    desktop(system, "zed.desktop", "Name=Zed\nExec=zed %F\nMimeType=text/plain;\n")
    desktop(system, "atom.desktop", "Name=Atom\nExec=atom %U\nMimeType=text/plain;\n")
    desktop(system, "view.desktop", "Name=Viewer\nExec=view\nMimeType=image/png;\n")
    desktop(system, "gone.desktop", "Name=Gone\nExec=x\nHidden=true\nMimeType=text/plain;\n")
    desktop(system, "broken.desktop", "Name=Broken\nExec=\"unclosed\nMimeType=text/plain;\n")
    # The user's own file of the same name overrides the system's.
    desktop(user, "atom.desktop", "Name=My Atom\nExec=atom --mine %f\nMimeType=text/plain;\n")
    (tmp_path / "config" / "mimeapps.list").write_text(
        "[Default Applications]\ntext/plain=zed.desktop;missing.desktop\n")
    apps = applications_for("notes.txt")
    assert [a.name for a in apps] == ["Zed", "My Atom"]
    # text/x-python is a kind of text/plain: its applications apply too.
    assert [a.name for a in applications_for("script.py")] == ["Zed", "My Atom"]
    assert [a.name for a in applications_for("photo.png")] == ["Viewer"]


def test_command_lines_put_the_file_where_the_field_code_is() -> None:
    app = DesktopApp("x.desktop", "X", ("x", "--new", "%U", "%i", "100%%"))
    assert app.arguments("/tmp/a b.txt") == ["x", "--new", "/tmp/a b.txt", "100%"]
    assert DesktopApp("y", "Y", ("y", "-w")).arguments("/f") == ["y", "-w", "/f"]
    assert command_for("gedit --new-window", "/f") == ["gedit", "--new-window", "/f"]
    assert command_for("sh -c 'cat \"$0\"' %f", "/f") == ["sh", "-c", 'cat "$0"', "/f"]
    assert command_for("'unclosed", "/f") == []
