"""Extraction: any file in the inbox → plain records per source contract, with lineage.

`extract_file` reads one file and returns a `FileRead`: the records of every recognised
sheet (one DataFrame per raw table), what each sheet was, what was skipped and why.
It knows nothing of Prefect or DuckDB; a file it cannot read comes back refused, with
the reason, never as an exception.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pandas as pd

from flows.extract.contracts import (
    BOOL, DATE, INT, LINEAGE_COLUMNS, MONEY, TEXT, VOCAB, Contract, Field, vocabulary,
)
from flows.extract.grids import Refused, read_grids
from flows.extract.layout import (
    Period, TitleInfo, classify_rows, find_header, find_period, read_title,
    unit_from_file_name, version_rank,
)
from flows.extract.normalise import (
    Parsed, clean_text, normalise_column, parse_bool, parse_date, parse_int, parse_money,
)

SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}


@dataclass
class SheetRead:
    """What one sheet turned out to be."""

    sheet: str
    state: str                  # read | hidden | empty | unrecognised
    contract: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field → column letter
    rows: int = 0


@dataclass
class FileRead:
    """One inbox file after extraction: identity, submission facts, records, notes."""

    path: Path
    file_id: str                # sha256 of the bytes
    size_bytes: int
    modified_at: datetime
    source: str | None = None
    submitter: str | None = None  # the unit that sent it, as written (填报单位 or file name)
    period: Period | None = None
    filled_on: date | None = None
    version_rank: int = 1
    sheets: list[SheetRead] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped_rows: list[tuple[str, int, str]] = field(default_factory=list)  # sheet, row, why
    refusal: str | None = None

    @property
    def rows(self) -> int:
        return sum(len(frame) for frame in self.tables.values())

    def column_letter(self, sheet: str, field_name: str) -> str | None:
        """Where a field sits in a sheet, for problem reports."""
        for read in self.sheets:
            if read.sheet == sheet:
                return read.columns.get(field_name)
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parser(f: Field, contract: Contract, period: Period | None):
    if f.kind == DATE:
        return partial(parse_date, default_year=period.year if period else None)
    if f.kind == INT:
        return parse_int
    if f.kind == MONEY:
        return parse_money
    if f.kind == BOOL:
        return parse_bool
    if f.kind == VOCAB:
        mapping = vocabulary(contract.suite, f.name)
        return lambda text: Parsed(mapping.get(clean_text(text), clean_text(text)))
    return None


def _records(cells: pd.DataFrame, contract: Contract, columns: dict[str, str],
             title: TitleInfo, period: Period | None) -> pd.DataFrame:
    """Typed records of the data rows, each field beside its original text."""
    out = pd.DataFrame(index=cells.index)
    for f in contract.fields:
        if f.name in columns:
            original = cells[columns[f.name]]
        elif f.from_title and f.from_title in title.labels:
            original = pd.Series(title.labels[f.from_title], index=cells.index, dtype=object)
        else:
            original = pd.Series(None, index=cells.index, dtype=object)
        parse = _parser(f, contract, period)
        if parse is None:
            out[f.name] = original.map(clean_text, na_action="ignore").astype(object)
            continue
        parsed = normalise_column(original, parse)
        out[f.name] = parsed["value"]
        out[f"{f.name}_raw"] = original.map(clean_text, na_action="ignore").astype(object)
        if f.kind in (INT, MONEY):
            out[f"{f.name}_is_approx"] = parsed["approximate"]
    return out


def _refuse(read: FileRead, reason: str) -> FileRead:
    """A refused file still says, from its name, who sent it and for when."""
    read.refusal = reason
    read.submitter = unit_from_file_name(read.path.stem)
    read.period = find_period(read.path.stem)
    return read


def extract_file(path: Path) -> FileRead:
    """Read one inbox file into records; never raises for a bad file, refuses it instead."""
    stat = path.stat()
    read = FileRead(
        path=path, file_id=sha256_of(path), size_bytes=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime), version_rank=version_rank(path.stem),
    )
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return _refuse(read, f"不支持的文件类型“{path.suffix}”（支持 xlsx、xlsm、xls、csv）")
    try:
        grids = read_grids(path)
    except Refused as refusal:
        return _refuse(read, str(refusal))

    for grid in grids:
        if grid.hidden:
            read.sheets.append(SheetRead(grid.sheet, "hidden"))
            continue
        cells = grid.cells
        if cells is None or cells.empty or cells.isna().all().all():
            read.sheets.append(SheetRead(grid.sheet, "empty"))
            continue
        match = find_header(cells)
        if match is None:
            read.sheets.append(SheetRead(grid.sheet, "unrecognised"))
            continue
        title = read_title(cells, match.row)
        period = find_period(title.text, path.stem)
        read.period = read.period or period
        read.filled_on = read.filled_on or title.date("填报日期")
        read.submitter = read.submitter or title.labels.get("填报单位")
        read.source = read.source or match.contract.source

        body = cells.loc[match.row + 1:]
        not_data = classify_rows(body)
        for row_number, why in not_data.dropna().items():
            read.skipped_rows.append((grid.sheet, int(row_number), why))
        body = body[not_data.isna()]

        records = _records(body, match.contract, match.columns, title, period)
        records.insert(0, "row_number", body.index.astype("int64"))
        records.insert(0, "sheet", grid.sheet)
        records.insert(0, "file_id", read.file_id)
        previous = read.tables.get(match.contract.table)
        read.tables[match.contract.table] = records if previous is None else pd.concat([previous, records])
        read.sheets.append(SheetRead(grid.sheet, "read", match.contract.name, match.row, match.columns, len(records)))

    if read.source is None:
        return _refuse(read, "未找到可识别的表头（没有一张工作表是已知的台账格式）")
    if read.submitter is None and read.source != "unit_register":  # the register is the office's, not a unit's
        named = [t["org_unit"] for t in read.tables.values() if "org_unit" in t]
        units = pd.concat(named).dropna().unique() if named else []
        read.submitter = units[0] if len(units) == 1 else unit_from_file_name(path.stem)
    return read


__all__ = ["FileRead", "SheetRead", "extract_file", "LINEAGE_COLUMNS", "TEXT"]
