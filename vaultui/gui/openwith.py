"""The applications the desktop offers for a file type (XDG .desktop files) and starting one.

Follows the freedesktop.org specs in their simple form: applications are the `.desktop`
files in `applications/` under $XDG_DATA_HOME and $XDG_DATA_DIRS whose MimeType lists the
file's type (or a type it inherits from, such as text/plain for text/x-python); the
default ones, listed first, come from `mimeapps.list` ([Default Applications]) in
$XDG_CONFIG_HOME, $XDG_CONFIG_DIRS and the data dirs, as `xdg-mime default` writes them.
"""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from vaultui.gui.qt import QMimeDatabase, QProcess

#: Field codes of an Exec line that stand for the file (all others are dropped).
_FILE_CODES = ("%f", "%F", "%u", "%U")
#: Bound on what is read of one .desktop or mimeapps.list file.
_MAX_FILE = 256 * 1024


@dataclass(frozen=True)
class DesktopApp:
    """An application that can open a file: its menu name and its command line."""

    id: str  # the .desktop file's name, e.g. "org.gnome.gedit.desktop"
    name: str
    command: tuple[str, ...]  # Exec split into words, field codes in place

    def arguments(self, path: str) -> list[str]:
        """The command line that opens `path` (appended when Exec names no file)."""
        words: list[str] = []
        placed = False
        for word in self.command:
            if word in _FILE_CODES:
                words.append(path)
                placed = True
            elif word == "%%":
                words.append("%")
            elif len(word) == 2 and word.startswith("%"):
                continue  # %i, %c, %k and deprecated codes: nothing to pass
            else:
                words.append(word.replace("%%", "%"))
        return words if placed else [*words, path]


def _data_dirs() -> list[str]:
    home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    rest = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    return [home, *[d for d in rest.split(":") if d]]


def _config_dirs() -> list[str]:
    home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    rest = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    return [home, *[d for d in rest.split(":") if d]]


def _read_ini(path: str) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False,
                                       delimiters=("=",), comment_prefixes=("#",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            parser.read_string(f.read(_MAX_FILE))
    except (OSError, configparser.Error):
        return None
    return parser


def _load_app(path: str) -> tuple[DesktopApp, set[str]] | None:
    parser = _read_ini(path)
    if parser is None or not parser.has_section("Desktop Entry"):
        return None
    entry = parser["Desktop Entry"]
    if (entry.get("Type", "Application") != "Application" or entry.get("Hidden") == "true"
            or (entry.get("NoDisplay") == "true" and "MimeType" not in entry)):
        return None
    try:
        command = tuple(shlex.split(entry.get("Exec", "")))
    except ValueError:
        return None
    if not command:
        return None
    types = {t for t in entry.get("MimeType", "").split(";") if t}
    app = DesktopApp(os.path.basename(path), entry.get("Name", os.path.basename(path)), command)
    return app, types


def _desktop_files() -> Iterator[str]:
    """Every .desktop file, earlier data dirs first (they win over later ones)."""
    for base in _data_dirs():
        folder = os.path.join(base, "applications")
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".desktop"):
                yield os.path.join(folder, name)


def _defaults(mime: str) -> list[str]:
    """The ids mimeapps.list files name as `mime`'s default, most important first."""
    found: list[str] = []
    lists = [os.path.join(d, "mimeapps.list") for d in _config_dirs()]
    lists += [os.path.join(d, "applications", "mimeapps.list") for d in _data_dirs()]
    for path in lists:
        parser = _read_ini(path)
        if parser is None or not parser.has_option("Default Applications", mime):
            continue
        for app_id in parser.get("Default Applications", mime).split(";"):
            if app_id and app_id not in found:
                found.append(app_id)
    return found


def mime_types(path: str) -> list[str]:
    """The file's MIME type (by its name: it may not exist yet) and the types it inherits
    from, most specific first."""
    mime = QMimeDatabase().mimeTypeForFile(path, QMimeDatabase.MatchMode.MatchExtension)
    types = [mime.name(), *mime.allAncestors()]
    return [t for t in types if t]


def default_application(path: str) -> DesktopApp | None:
    """The application mimeapps.list names as the default for `path`'s type, if any (what
    `xdg-mime default` set; without one the desktop's own opener decides)."""
    apps = applications_for(path, defaults_only=True)
    return apps[0] if apps else None


def applications_for(path: str, defaults_only: bool = False) -> list[DesktopApp]:
    """The applications that open `path`: defaults first, then the rest by name."""
    types = mime_types(path)
    apps: dict[str, tuple[DesktopApp, set[str]]] = {}
    for file in _desktop_files():
        app_id = os.path.basename(file)
        if app_id in apps:
            continue  # an earlier data dir's file of that name overrides this one
        loaded = _load_app(file)
        if loaded is not None:
            apps[app_id] = loaded
    chosen: list[DesktopApp] = []
    for mime in types:
        for app_id in _defaults(mime):
            if app_id in apps and apps[app_id][0] not in chosen:
                chosen.append(apps[app_id][0])
    if defaults_only:
        return chosen
    wanted = set(types)
    rest = sorted((a for a, t in apps.values() if t & wanted and a not in chosen),
                  key=lambda a: a.name.lower())
    return chosen + rest


def launch(command: list[str]) -> bool:
    """Start a program detached from the app (it outlives a lock or a quit)."""
    if not command:
        return False
    started, _pid = QProcess.startDetached(command[0], command[1:])
    return bool(started)


def command_for(text: str, path: str) -> list[str]:
    """A command the user typed (e.g. `gedit --new-window`, or with %f), for `path`."""
    try:
        words = tuple(shlex.split(text))
    except ValueError:
        return []
    return DesktopApp("", text, words).arguments(path) if words else []
