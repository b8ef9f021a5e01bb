"""The units' side of the exchange: the files they drop in the inbox, found and identified, and
where their error receipts go back.

A file is identified by the sha256 of its bytes. A (path, sha256) pair already seen is
unchanged and skipped; the same bytes under a new path are a duplicate (recorded, not
loaded again); anything else is new (`scan_inbox`).

Light to import (no pandas, no Arrow): a re-run that finds nothing new reads only this and
the warehouse.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


@dataclass
class InboxScan:
    """The inbox against the warehouse: which files are new, duplicates, unchanged, or still
    being written (waiting: changed too recently to be read whole)."""

    new: list[Path] = field(default_factory=list)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)  # path, file_id already loaded
    unchanged: list[Path] = field(default_factory=list)
    waiting: list[tuple[Path, float]] = field(default_factory=list)  # path, seconds since it last changed
    file_ids: dict[Path, str] = field(default_factory=dict)


COPY_MARKS = ("副本", "copy", "Copy", "复制")


class InboxMissing(ValueError):
    """The inbox folder the settings name does not exist: a configuration error, not an empty inbox."""


def check_inbox(inbox: Path) -> None:
    """Raise InboxMissing, in one sentence, unless `inbox` is a folder."""
    if not inbox.is_dir():
        what = "is not a folder" if inbox.exists() else "does not exist"
        raise InboxMissing(f"inbox {inbox} {what}: create it, or point --inbox (or TAIZHANG_INBOX) at the "
                           "folder units send their files to; nothing was read or written")


def inbox_files(inbox: Path) -> list[Path]:
    """Every file under the inbox (flat or `<YYYY-MM>/<单位>/`), hidden and lock files aside.

    Files whose names mark them as copies come after the originals, so that of two
    identical files the copy is the one recorded as the duplicate.
    """
    if not inbox.exists():
        return []
    files = (p for p in _files_under(str(inbox)) if not p.name.startswith((".", "~$")))
    return sorted(files, key=lambda p: (any(mark in p.name for mark in COPY_MARKS), p.as_posix()))


def _files_under(folder: str) -> Iterator[Path]:
    """Every file below a folder, as `Path.rglob` finds them (folders behind symbolic links are
    not entered), one directory listing per folder and no further look at each file."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_under(entry.path)
            elif entry.is_file():
                yield Path(entry.path)


def relative(path: Path, inbox: Path) -> str:
    """The path as stored: relative to the inbox when inside it (compared as text, as
    `Path.relative_to` does, at a fifth of its cost: a run asks this four times a file)."""
    text, folder = path.as_posix(), inbox.as_posix()
    if text == folder:
        return "."
    prefix = folder if folder.endswith("/") else folder + "/"
    return text[len(prefix):] if text.startswith(prefix) else text


def last_change(path: Path) -> float:
    """When the file last changed: its modification or, later, its status change (a copy made
    with `cp -p` keeps an old modification time, never an old change time)."""
    stat = path.stat()
    return max(stat.st_mtime, stat.st_ctime)


def scan_inbox(con: duckdb.DuckDBPyConnection, inbox: Path, settle_seconds: float = 0) -> InboxScan:
    """Sort the inbox's files into new, duplicate, unchanged and waiting.

    A file that changed less than `settle_seconds` ago may still be being written (a copy over
    a slow share): it waits for a later run, unread, so that a half-written file is never loaded.
    One whose path and bytes are already loaded is unchanged however recently it was touched
    (the files a demo, a restore or `touch` just wrote): half-written, its bytes would differ.
    """
    seen = set(con.execute("select path, file_id from raw.file_arrivals").fetchall())
    known = set(r[0] for r in con.execute("select file_id from raw.files").fetchall())
    scan = InboxScan()
    first_path_of: dict[str, Path] = {}
    now = time.time()
    for path in inbox_files(inbox):
        try:
            age = now - last_change(path) if settle_seconds > 0 else None
            file_id = sha256_of(path)
        except FileNotFoundError:
            continue  # moved away since the folder was listed
        if (relative(path, inbox), file_id) in seen:
            scan.unchanged.append(path)
        elif age is not None and age < settle_seconds:
            scan.waiting.append((path, max(age, 0.0)))
            continue
        elif file_id in known or file_id in first_path_of:
            scan.duplicates.append((path, file_id))
        else:
            first_path_of[file_id] = path
            scan.new.append(path)
        scan.file_ids[path] = file_id
    return scan


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def receipt_path(out: Path, unit: str) -> Path:
    return out / f"错误回执_{unit}.xlsx"


def receipts_in(out: Path) -> list[Path]:
    """The error receipts written in `out`, by unit."""
    return sorted(out.glob(receipt_path(Path(), "*").name)) if out.exists() else []
