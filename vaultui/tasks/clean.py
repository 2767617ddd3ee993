"""Finding and removing what interrupted writes left in a vault's storage.

A write killed before it finished (kill -9, a crash, a lost connection) may leave a
hidden temporary file (storage.temp_name) or, on S3, an incomplete multipart upload
that holds its parts, billed, until someone aborts it. Neither is ever shown as a vault
item. Only leftovers older than a given age are touched: a younger one may belong to
a write still under way, by this or another program.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fsspec.asyn import sync

from vaultui.fs.s3stream import is_s3
from vaultui.fs.storage import is_temp_name
from vaultui.fs.vault import VaultLocation
from vaultui.tasks.job import Job

#: What `clean` leaves alone unless told otherwise, and what `verify` reports.
DEFAULT_AGE = timedelta(days=1)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_TIME_KEYS = ("mtime", "LastModified", "last_modified", "created")


def parse_age(text: str) -> timedelta:
    """`30m`, `12h`, `1d`, `2w` or plain seconds as a timedelta; ValueError otherwise."""
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"not an age: {text!r} (say e.g. 30m, 12h, 1d or 2w)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Leftover:
    """A temporary file or an incomplete multipart upload under the vault's root."""

    path: str  # storage path (of the object the upload would have written)
    modified: datetime | None  # when it was last written, or the upload started
    size: int | None = None  # bytes a temporary file holds (None for an upload)
    upload_id: str | None = None  # set for an incomplete multipart upload

    @property
    def kind(self) -> str:
        return "upload" if self.upload_id is not None else "temp"

    def describe(self, now: datetime | None = None) -> str:
        what = ("incomplete upload of" if self.upload_id is not None
                else f"temporary file ({self.size if self.size is not None else '?'} bytes)")
        age = ""
        if self.modified is not None:
            hours = ((now or datetime.now(UTC)) - self.modified).total_seconds() / 3600
            age = f", {hours / 24:.1f} days old" if hours >= 48 else f", {hours:.1f} h old"
        return f"{what} {self.path}{age}"


@dataclass
class CleanResult:
    removed: list[Leftover] = field(default_factory=list)
    failed: list[tuple[Leftover, str]] = field(default_factory=list)


def _modified(info: dict[str, Any]) -> datetime | None:
    for key in _TIME_KEYS:
        value = info.get(key)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
    return None


def _temp_files(location: VaultLocation) -> Iterator[Leftover]:
    fs = location.fs
    fs.invalidate_cache(location.root)  # a long-lived filesystem's listings may be stale
    for path, info in fs.find(location.root, detail=True).items():
        if info.get("type") == "file" and is_temp_name(path.rpartition("/")[2]):
            yield Leftover(path, _modified(info), int(info.get("size") or 0))


def _uploads(location: VaultLocation) -> Iterator[Leftover]:
    """Incomplete multipart uploads of keys under the vault's root (S3 only: the other
    object stores drop uncommitted blocks themselves)."""
    fs = location.fs
    if not is_s3(fs):
        return
    bucket, key, _ = fs.split_path(location.root)
    args: dict[str, Any] = {"Bucket": bucket, "Prefix": f"{key}/" if key else ""}
    while True:
        page = sync(fs.loop, fs._call_s3, "list_multipart_uploads", **args)
        for upload in page.get("Uploads", []):
            initiated = upload.get("Initiated")
            yield Leftover(f"{bucket}/{upload['Key']}",
                           initiated if isinstance(initiated, datetime) else None,
                           upload_id=str(upload["UploadId"]))
        if not page.get("IsTruncated"):
            return
        args["KeyMarker"] = page.get("NextKeyMarker")
        args["UploadIdMarker"] = page.get("NextUploadIdMarker")


def find_leftovers(location: VaultLocation, older_than: timedelta = DEFAULT_AGE,
                   now: datetime | None = None) -> list[Leftover]:
    """The leftovers under the vault's root last written more than `older_than` ago
    (those of unknown age too), temporary files first, each sorted by path."""
    cutoff = (now or datetime.now(UTC)) - older_than
    found = [*sorted(_temp_files(location), key=lambda item: item.path),
             *sorted(_uploads(location), key=lambda item: item.path)]
    return [item for item in found if item.modified is None or item.modified <= cutoff]


def remove_leftover(location: VaultLocation, item: Leftover) -> None:
    """Delete a temporary file, or abort an incomplete multipart upload."""
    fs = location.fs
    if item.upload_id is None:
        fs.rm_file(item.path)
        return
    bucket, key, _ = fs.split_path(item.path)
    sync(fs.loop, fs._call_s3, "abort_multipart_upload", Bucket=bucket, Key=key,
         UploadId=item.upload_id)


class CleanVault(Job):
    """Remove a vault's leftovers older than `older_than` (prepare lists them).

    A leftover that cannot be removed is reported in the result, and the rest go on.
    """

    def __init__(self, location: VaultLocation, older_than: timedelta = DEFAULT_AGE,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.location = location
        self.older_than = older_than
        self.result = CleanResult()

    def prepare(self) -> list[Leftover]:
        self.location.read_config()  # not a vault: say so rather than clean anything
        return find_leftovers(self.location, self.older_than)

    def run(self, items: list[Leftover] | None = None) -> CleanResult:
        items = items if items is not None else self.prepare()
        self.start_counting(len(items), 0)
        for item in items:
            self.check_cancelled()
            try:
                remove_leftover(self.location, item)
            except FileNotFoundError:
                pass  # gone meanwhile: what was wanted
            except Exception as exc:
                self.result.failed.append((item, str(exc) or type(exc).__name__))
                continue
            self.result.removed.append(item)
            self.counter.file_done(item.path)
        return self.result
