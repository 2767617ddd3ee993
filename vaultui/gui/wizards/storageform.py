"""Where a vault lives: a form per storage kind, turned into a URL and storage options."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from vaultui.crypto.constants import VAULT_FORMAT
from vaultui.crypto.errors import FormatError, UnsupportedVaultError
from vaultui.fs.errors import VaultConfigMissingError, VaultNotFoundError
from vaultui.fs.vault import VaultLocation
from vaultui.gui.core.qt import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.core.worker import JobContext

KINDS = ("local", "s3", "azure", "sftp", "url")
KIND_LABELS = {"local": "Local folder", "s3": "Amazon S3 or compatible", "azure": "Azure Blob",
               "sftp": "SFTP", "url": "Any fsspec URL"}
#: Fields of each kind; those in SECRET_FIELDS are typed as passwords.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "local": (("folder", "Folder"),),
    "s3": (("bucket", "Bucket and path"), ("endpoint", "Endpoint URL"),
           ("key", "Access key id"), ("secret", "Secret access key"), ("region", "Region")),
    "azure": (("container", "Container and path"), ("account", "Account name"),
              ("account_key", "Account key"), ("connection_string", "Connection string")),
    "sftp": (("host", "Host"), ("port", "Port"), ("username", "User"),
             ("password", "Password"), ("path", "Path")),
    "url": (("url", "URL"), ("options", "Storage options (JSON)")),
}
SECRET_FIELDS = frozenset({"secret", "account_key", "connection_string", "password", "options"})


@dataclass(frozen=True)
class StorageChoice:
    """A URL (never with credentials) and the options, credentials included, to reach it."""

    url: str
    options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # the options hold credentials
        return f"StorageChoice({self.url!r}, options={sorted(self.options)})"

    @property
    def remote(self) -> bool:
        return "://" in self.url and not self.url.startswith("file://")

    def child(self, name: str) -> StorageChoice:
        return StorageChoice(self.url.rstrip("/") + "/" + name, self.options)


def build_choice(kind: str, values: dict[str, str]) -> tuple[StorageChoice | None, str]:
    """The storage choice from the form's values, or None and what is missing or wrong."""
    v = {k: values.get(k, "").strip() for k, _ in FIELDS[kind]}
    if kind == "local":
        if not v["folder"]:
            return None, "Choose a folder."
        return StorageChoice(os.path.abspath(os.path.expanduser(v["folder"]))), ""
    if kind == "s3":
        if not v["bucket"]:
            return None, "Enter the bucket (and optionally a path in it)."
        options: dict[str, Any] = {}
        if v["key"] or v["secret"]:
            if not (v["key"] and v["secret"]):
                return None, "Enter both the access key id and the secret access key."
            options.update(key=v["key"], secret=v["secret"])
        if v["endpoint"]:
            if not v["endpoint"].startswith(("http://", "https://")):
                return None, "The endpoint URL starts with http:// or https://."
            options["client_kwargs"] = {"endpoint_url": v["endpoint"]}
        if v["region"]:
            options.setdefault("client_kwargs", {})["region_name"] = v["region"]
        return StorageChoice("s3://" + v["bucket"].removeprefix("s3://").strip("/"), options), ""
    if kind == "azure":
        if not v["container"]:
            return None, "Enter the container (and optionally a path in it)."
        if v["connection_string"]:
            options = {"connection_string": v["connection_string"]}
        elif v["account"] and v["account_key"]:
            options = {"account_name": v["account"], "account_key": v["account_key"]}
        else:
            return None, "Enter a connection string, or the account name and key."
        return StorageChoice("abfs://" + v["container"].strip("/"), options), ""
    if kind == "sftp":
        if not v["host"]:
            return None, "Enter the SFTP host."
        port = v["port"] or "22"
        if not port.isdigit() or not 0 < int(port) < 65536:
            return None, "The port is a number from 1 to 65535."
        options = {"port": int(port)}
        if v["username"]:
            options["username"] = v["username"]
        if v["password"]:
            options["password"] = v["password"]
        path = "/" + v["path"].strip("/") if v["path"] else ""
        return StorageChoice(f"sftp://{v['host']}{path}", options), ""
    if not v["url"]:
        return None, "Enter a URL such as memory://vault or gcs://bucket/vault."
    try:
        options = json.loads(v["options"]) if v["options"] else {}
    except ValueError:
        return None, "The storage options are not valid JSON."
    if not isinstance(options, dict):
        return None, "The storage options are a JSON object ({...})."
    return StorageChoice(v["url"], options), ""


def connection_job(choice: StorageChoice) -> Any:
    """Reach the storage and list the location's parent: proves the settings work."""
    def job(ctx: JobContext) -> str:
        loc = VaultLocation.from_url(choice.url, choice.options)
        parent = loc.root.rstrip("/").rsplit("/", 1)[0] if "/" in loc.root.strip("/") else loc.root
        loc.fs.ls(parent or loc.root, detail=False)
        return "Connected."
    return job


def inspect_job(choice: StorageChoice) -> Any:
    """What is at the location: "" for a vault this app opens, else a clear sentence."""
    def job(ctx: JobContext) -> str:
        try:
            loc = VaultLocation.from_url(choice.url, choice.options)
            config = loc.read_config()
            loc.masterkey_file_path(config)  # a Hub key or a key file elsewhere: unsupported
            version = config.payload.get("format")
            if version != VAULT_FORMAT:
                raise UnsupportedVaultError(
                    f"it is a vault of format {version}; vaultui reads format {VAULT_FORMAT}")
        except VaultConfigMissingError as exc:
            return str(exc)
        except VaultNotFoundError:
            return f"{choice.url} is not a vault: there is no vault.cryptomator in it."
        except UnsupportedVaultError as exc:
            return f"This vault's format is not supported: {exc}"
        except FormatError as exc:
            return f"{choice.url} holds a damaged or foreign vault.cryptomator: {exc}"
        return ""
    return job


class StorageForm(QWidget):
    """A storage kind selector and the form of the chosen kind.

    Signals:
        changed(): a value or the kind changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.stack = QStackedWidget()
        self.edits: dict[str, dict[str, QLineEdit]] = {}
        for kind in KINDS:
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            self.edits[kind] = {}
            for name, label in FIELDS[kind]:
                edit = QLineEdit()
                if name in SECRET_FIELDS:
                    edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.textChanged.connect(self.changed)
                self.edits[kind][name] = edit
                if kind == "local":
                    browse = QPushButton("Choose…")
                    browse.clicked.connect(self._browse)
                    row = QHBoxLayout()
                    row.addWidget(edit, 1)
                    row.addWidget(browse)
                    form.addRow(label, row)
                else:
                    form.addRow(label, edit)
            self.stack.addWidget(page)
        self.edits["sftp"]["port"].setPlaceholderText("22")
        self.edits["s3"]["endpoint"].setPlaceholderText("https://s3.example.com (optional)")
        self.edits["url"]["options"].setPlaceholderText('{"token": "..."}')
        self.kind.currentIndexChanged.connect(self.stack.setCurrentIndex)
        self.kind.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Storage", self.kind)
        layout.addLayout(form)
        layout.addWidget(self.stack)

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(KINDS.index(kind))

    def set_values(self, kind: str, **values: str) -> None:
        self.set_kind(kind)
        for name, value in values.items():
            self.edits[kind][name].setText(value)

    def values(self) -> dict[str, str]:
        return {k: e.text() for k, e in self.edits[self.current_kind()].items()}

    def choice(self) -> tuple[StorageChoice | None, str]:
        return build_choice(self.current_kind(), self.values())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the vault")
        if folder:
            self.edits["local"]["folder"].setText(folder)
