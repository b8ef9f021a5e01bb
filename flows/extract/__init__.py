"""Extraction: any file in the inbox → plain records per source contract, with lineage.

`extract_file` reads one file and returns a `FileRead`: the records of every recognised
sheet (one DataFrame per raw table), what each sheet was, what was skipped and why.
It knows nothing of Prefect or DuckDB; a file it cannot read comes back refused, with
the reason, never as an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.inbox import sha256_of
from flows.contracts import (
    BOOL, DATE, DATETIME, INT, MONEY, TEXT, VOCAB, Contract, Field, header_key, vocabulary,
)
from flows.extract.grids import Grid, read_csv, read_workbook
from flows.extract.safety import CSV, DOCX, XLS, XLSX, sniff
from flows.extract.layout import (
    Period, TitleInfo, classify_rows, find_date_in_name, find_header, find_period, read_title,
    unit_from_file_name, version_rank,
)
from flows.extract.refusals import Refused
from flows.extract.services import (
    BY_NUMBER_REFUSAL, CHOICE_FIELDS, FORM_SYSTEM_HEADERS, WECHAT, account_from_file_name, clean_answers,
    column_of_title, join_parts, recognise,
)
from flows.extract.normalise import (
    PLAIN_ROWS, Parsed, clean_array, clean_arrays, clean_cell, clean_text, normalise_array, normalise_cells, parse_bool,
    parse_date, parse_datetime, parse_int, parse_money,
)


def read_forms(path: Path, *args, **kwargs):
    """Word forms (flows/extract/forms.py), imported when the first one is read: python-docx is
    the package's heaviest import, and most runs (a re-run with nothing new) read no form."""
    from flows.extract.forms import read_forms as read

    return read(path, *args, **kwargs)


READERS = {XLSX: read_workbook, XLS: read_workbook, CSV: read_csv, DOCX: read_forms}
SUFFIXES = {".xlsx": XLSX, ".xlsm": XLSX, ".xls": XLS, ".csv": CSV, ".docx": DOCX}


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
    tables: dict[str, pa.Table] = field(default_factory=dict)  # raw table → records (Arrow)
    skipped_rows: list[tuple[str, int, str]] = field(default_factory=list)  # sheet, row, why
    notes: list[str] = field(default_factory=list)  # what a person should know about how it was read
    exported_on: date | None = None  # 导出时间 of a platform export
    format: str | None = None        # what the bytes turned out to be: xlsx, xls, csv, docx
    refusal: str | None = None
    refusal_kind: str | None = None   # one of refusals.REFUSAL_KINDS
    service: str | None = None        # the service whose export it is (services.py): wjx, tencent_wj, wechat_mp
    export_kind: str | None = None    # what kind of export: answers_by_text, answers_by_number, content_detail

    @property
    def rows(self) -> int:
        return sum(table.num_rows for table in self.tables.values())

    def frame(self, table: str) -> pd.DataFrame:
        """A table's records as pandas (ints nullable, text as str), for looking at them."""
        return to_frame(self.tables[table])

    def column_letter(self, sheet: str, field_name: str) -> str | None:
        """Where a field sits in a sheet, for problem reports."""
        for read in self.sheets:
            if read.sheet == sheet:
                return read.columns.get(field_name)
        return None


ARROW_TYPES = {DATE: pa.date32(), DATETIME: pa.timestamp("us"), INT: pa.int64(), MONEY: pa.float64(),
               BOOL: pa.bool_(), VOCAB: pa.large_string()}


def _parser(f: Field, contract: Contract, period: Period | None):
    if f.kind == DATE:
        return partial(parse_date, default_year=period.year if period else None)
    if f.kind == VOCAB:
        mapping = vocabulary(contract.suite, f.name)
        return lambda text: Parsed(mapping.get(text, text))  # unknown values stay, for validation to see
    return {DATETIME: parse_datetime, INT: parse_int, MONEY: parse_money, BOOL: parse_bool}[f.kind]


# a table of fewer rows is small: its columns are cleaned together (see clean_arrays)
SMALL_TABLE_ROWS = 1_000


def _is_text(array: pa.ChunkedArray | pa.Array) -> bool:
    return pa.types.is_large_string(array.type) or pa.types.is_string(array.type) or pa.types.is_null(array.type)


def _records(cells: pa.Table, contract: Contract, columns: dict[str, str],
             title: TitleInfo, period: Period | None) -> dict[str, pa.Array]:
    """Typed records of the data rows, each parsed field beside its original (cleaned) text:
    cell by cell for a sheet of fewer than PLAIN_ROWS rows, column by column in Arrow for more."""
    n = cells.num_rows
    read = [f.name for f in contract.fields if f.name in columns]
    texts = [cells.column(columns[name]) for name in read]
    plain = n < PLAIN_ROWS and all(map(_is_text, texts))
    if plain:
        cleaned = {name: [clean_cell(v) for v in text.to_pylist()] for name, text in zip(read, texts)}
    else:
        cleaned = dict(zip(read, clean_arrays(texts) if n < SMALL_TABLE_ROWS else map(clean_array, texts)))
    out: dict[str, pa.Array] = {}
    for f in contract.fields:
        if f.name in cleaned:
            original = cleaned[f.name]
        else:
            value = clean_text(title.labels.get(f.from_title)) if f.from_title else None
            original = [value] * n if plain else pa.array([value] * n, type=pa.large_string())
        text = pa.array(original, type=pa.large_string()) if plain else original
        if f.kind == TEXT:
            out[f.name] = text
            continue
        if text.null_count == n:  # not in this sheet: nothing to parse
            values, approximate = pa.nulls(n, ARROW_TYPES[f.kind]), pa.array([False] * n)
        else:
            normalise = normalise_cells if plain else normalise_array
            values, approximate = normalise(original, _parser(f, contract, period), ARROW_TYPES[f.kind])
        out[f.name] = values
        out[f"{f.name}_raw"] = text
        if f.kind in (INT, MONEY):
            out[f"{f.name}_is_approx"] = approximate
    return out


def concat(tables: list[pa.Table]) -> pa.Table:
    """Tables of records as one, columns missing from some filled with nulls.

    Many small tables (a batch of thousands of small files) are combined into one chunk per
    column: in thousands of chunks every later step (pandas, Great Expectations, DuckDB's
    insert) works chunk by chunk, several times slower. Larger ones stay as they are, since
    combining copies them."""
    if len(tables) == 1:
        return tables[0]
    table = pa.concat_tables(tables, promote_options="permissive")
    return table.combine_chunks() if table.num_rows < SMALL_TABLE_ROWS * len(tables) else table


def _refuse(read: FileRead, reason: str, kind: str) -> FileRead:
    """A refused file still says, from its name, who sent it and for when."""
    read.refusal = reason
    read.refusal_kind = kind
    read.submitter = unit_from_file_name(read.path.stem)
    read.period = find_period(read.path.stem)
    return read


def read_grids(path: Path, read: FileRead | None = None) -> list[Grid]:
    """The grids of a file, read by what its bytes are; a misleading name is noted, not obeyed."""
    kind = sniff(path)
    claimed = SUFFIXES.get(path.suffix.lower())
    if claimed is None and kind == CSV:
        raise Refused(f"不支持的文件类型“{path.suffix}”（支持 xlsx、xlsm、xls、csv、docx）", "unsupported_type")
    if read is not None:
        read.format = kind
        if claimed is not None and claimed != kind:
            read.notes.append(f"扩展名为“{path.suffix}”，实际是 {kind} 文件，已按实际格式读取")
    return READERS[kind](path)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Records as pandas: nullable integers stay integers, dates stay dates."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.large_string(): pd.StringDtype("pyarrow", na_value=float("nan"))}.get,
                           date_as_object=True)


def _system_columns(grid: Grid, header_row: int) -> dict[str, str]:
    """Online-form platform columns (提交答卷时间, 来源, 来自IP …): header → column letter."""
    header = grid.rows(header_row, header_row)[0]
    return {header_key(v): letter for letter, v in zip(grid.table.column_names, header)
            if v is not None and header_key(v) in FORM_SYSTEM_HEADERS}


def _form_answers(body: pa.Table, columns: dict[str, str], header: list) -> pa.Table:
    """An online form's answers as the contracts read them: no-answer marks emptied, option
    letters off choice answers, the parts of a question of several parts (its header repeated)
    joined into its first column."""
    letters = body.column_names
    keys = {letter: header_key(v) if v is not None else "" for letter, v in zip(letters, header)}
    for name, letter in columns.items():
        parts = [l for l in letters if keys[l] == keys[letter]
                 and (pa.types.is_string(body.column(l).type) or pa.types.is_large_string(body.column(l).type))]
        if letter not in parts:
            continue
        answers = join_parts([clean_answers(body.column(l).combine_chunks(), name in CHOICE_FIELDS) for l in parts])
        body = body.set_column(letters.index(letter), letter, answers)
    return body


def _post_details(body: pa.Table, columns: dict[str, str], stem: str) -> tuple[pa.Table, dict[str, str]]:
    """What a 公众号 detail export leaves out, filled in: the account (from the file name or the
    settings), each post's 栏目 (from its title) and its type (图文)."""
    from flows.rules import publicity_keywords
    from flows.settings import Settings

    settings = Settings.load()
    n = body.num_rows
    titles = body.column(columns["title"]).to_pylist()
    keywords = publicity_keywords(settings.rules)
    filled = {
        "platform": [account_from_file_name(stem) or settings.wechat_account] * n,
        "column_name": [column_of_title(t, keywords) for t in titles],
        "content_type": ["图文"] * n,
    }
    columns = dict(columns)
    for name, values in filled.items():
        if name not in columns:
            letter = f"_{name}"
            body = body.append_column(letter, pa.array(values, pa.large_string()))
            columns[name] = letter
    return body, columns


def _form_metadata(body: pa.Table, columns: dict[str, str], header: list) -> pa.Array:
    """Everything else a form export says of each submission, as a JSON object: the platform's
    columns (提交答卷时间, 来自IP …) and the answers no field reads (a photo's link), as text,
    never evaluated; the TAB a platform puts before a value to keep it text is dropped."""
    used = set(columns.values())
    kept = {str(v).strip(): letter for letter, v in zip(body.column_names, header)
            if v is not None and str(v).strip() and (letter not in used or header_key(v) in FORM_SYSTEM_HEADERS)}
    values = {name: body.column(letter).to_pylist() for name, letter in kept.items()}
    return pa.array([json.dumps({k: str(v).lstrip("\t") for k, v in zip(values, row) if v not in (None, "")},
                                ensure_ascii=False) for row in zip(*values.values())], type=pa.large_string())


def extract_file(path: Path) -> FileRead:
    """Read one inbox file into records; never raises for a bad file, refuses it instead."""
    stat = path.stat()
    read = FileRead(
        path=path, file_id=sha256_of(path), size_bytes=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime), version_rank=version_rank(path.stem),
    )
    try:
        grids = read_grids(path, read)
        for grid in grids:
            _read_sheet(read, grid)
    except Refused as refusal:
        return _refuse(read, str(refusal), refusal.kind)
    except Exception as error:  # a parser's own failure is this file's problem, not the run's
        return _refuse(read, f"文件无法读取（{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}）",
                       "unreadable")
    if read.source is None:
        return _refuse(read, "未找到可识别的表头（没有一张工作表是已知的台账格式）", "no_header")
    if read.rows == 0:
        return _refuse(read, "识别出表头，但表头下没有数据行；本期确无记录的，请在备注中说明后提交", "no_rows")
    if read.exported_on is None and read.source in ("online_form", "publicity_log"):
        read.exported_on = find_date_in_name(path.stem)
    if read.submitter is None and read.source != "unit_register":  # the register is the office's, not a unit's
        read.submitter = _sender(read)
    return read


def _read_sheet(read: FileRead, grid: Grid) -> None:
    """One sheet: skipped (hidden, empty, no known header) or read into records of its contract.
    Raises Refused for a sheet that cannot be read faithfully (a 问卷星 download 按序号)."""
    if grid.hidden:
        read.sheets.append(SheetRead(grid.sheet, "hidden"))
        read.notes.append(f"隐藏工作表“{grid.sheet}”未读取")
        return
    if grid.empty:
        read.sheets.append(SheetRead(grid.sheet, "empty"))
        return
    match = find_header(grid)
    if match is None:
        read.sheets.append(SheetRead(grid.sheet, "unrecognised"))
        return
    title = read_title(grid, match.header_rows[0])
    period = _submission_facts(read, title)
    header = grid.rows(match.row, match.row)[0]
    export = recognise({header_key(v) for v in header if v is not None}, [str(v) for v in header if v is not None])
    if export is not None:
        read.service, read.export_kind = read.service or export.service, read.export_kind or export.export_kind
        if export.export_kind == "answers_by_number":
            raise Refused(BY_NUMBER_REFUSAL, "by_number")
    source = _source(read, match.contract.source, grid, match.row)
    read.source = read.source or source

    body, numbers = _data_rows(read, grid, match.row)
    columns = match.columns
    if source == "online_form":
        body = _form_answers(body, columns, header)
    elif export is not None and export.service == WECHAT:
        body, columns = _post_details(body, columns, read.path.stem)
    records = _records(body, match.contract, columns, title, period)
    if source == "online_form":
        records["form_metadata"] = _form_metadata(body, columns, header)
    n = body.num_rows
    lineage = {"file_id": pa.array([read.file_id] * n, pa.large_string()),
               "sheet": pa.array([grid.sheet] * n, pa.large_string()),
               "row_number": pa.array(numbers, pa.int32())}
    table = pa.table({**lineage, **records})
    previous = read.tables.get(match.contract.table)
    read.tables[match.contract.table] = table if previous is None else concat([previous, table])
    in_sheet = {name: letter for name, letter in columns.items() if not letter.startswith("_")}  # not filled in
    read.sheets.append(SheetRead(grid.sheet, "read", match.contract.name, match.row, in_sheet, n))


def _submission_facts(read: FileRead, title: TitleInfo) -> Period | None:
    """What the title rows (or the file name) say of the submission: its period, fill date,
    export date and sending unit, the first sheet that says it winning. The sheet's period."""
    period = find_period(title.text, read.path.stem)
    read.period = read.period or period
    read.filled_on = read.filled_on or title.date("填报日期")
    read.exported_on = read.exported_on or title.date("导出时间")
    read.submitter = read.submitter or title.labels.get("填报单位")
    return period


def _source(read: FileRead, source: str, grid: Grid, header_row: int) -> str:
    """The kind of submission a sheet of a contract belongs to: an activity sheet is a ledger, a
    Word form, or an online form's export (three or more of a platform's own columns)."""
    if source != "activity_ledger":
        return source
    if read.format == DOCX:
        return "activity_form"
    return "online_form" if len(_system_columns(grid, header_row)) >= 3 else source


def _data_rows(read: FileRead, grid: Grid, header_row: int) -> tuple[pa.Table, np.ndarray]:
    """The rows under the header that hold data, with their row numbers; blank, total and note
    rows are recorded as skipped."""
    body = grid.table.slice(header_row + 1 - grid.first_row)
    numbers = np.arange(header_row + 1, header_row + 1 + body.num_rows, dtype=np.int32)
    not_data = classify_rows(body)
    data = pd.isna(not_data)
    for position in np.flatnonzero(~data):
        read.skipped_rows.append((grid.sheet, int(numbers[position]), not_data[position]))
    if not data.all():
        body, numbers = body.filter(pa.array(data)), numbers[data]
    return body.combine_chunks(), numbers


def _sender(read: FileRead) -> str | None:
    """Who sent a file whose title rows do not say: the one unit its rows name, else the file name's."""
    named = [t.column("org_unit") for t in read.tables.values() if "org_unit" in t.column_names]
    units = pc.unique(pa.chunked_array(named).combine_chunks()).drop_null().to_pylist() if named else []
    named_in_file = unit_from_file_name(read.path.stem)
    if len(units) == 1:
        return units[0]
    if not units or named_in_file in units:
        # no unit column, or a list of several units sent by one of them (学会部-…-办实事清单)
        return named_in_file
    return None
