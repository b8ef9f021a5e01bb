"""Readers: one per file format, each turning a file into grids of text cells.

A `Grid` is one sheet as a person sees it in Excel: the index is the row number shown in
Excel (1-based) and the columns are the column letters. Every cell is text or None;
typing is the normalisers' job. Readers know nothing of sources, Prefect or DuckDB.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


class Refused(Exception):
    """A file that cannot be read at all; the message says why, in plain Chinese."""


@dataclass
class Grid:
    sheet: str
    cells: pd.DataFrame | None  # None for a sheet that was not read (hidden)
    hidden: bool = False


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(path: Path) -> str:
    """The format from the file's first bytes, not its name: 'zip', 'ole' or 'text'."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise Refused("文件为空")
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def read_workbook(path: Path) -> list[Grid]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook (calamine: data only, macros never run)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as error:  # calamine's errors are precise but English
        raise Refused(f"无法打开工作簿：{error}") from error
    grids = []
    for name in reader.sheet_names:
        # skip_rows=0 keeps leading blank rows, so positions are the ones Excel shows
        sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible":
            grids.append(Grid(name, None, hidden=True))
            continue
        frame = sheet.to_pandas()
        frame.columns = [column_letter(c.absolute_index) for c in sheet.available_columns()]
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        grids.append(Grid(name, frame.astype(object).where(frame.notna(), None)))
    return grids


def read_csv(path: Path) -> list[Grid]:
    """A .csv in UTF-8 (with or without BOM) or GBK/GB18030, as one grid."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused("无法识别文件编码（应为 UTF-8 或 GBK）")
    frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False)
    frame.columns = [column_letter(i) for i in range(frame.shape[1])]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame = frame.astype(object).where(frame != "", None)
    return [Grid(path.stem, frame)]


def read_grids(path: Path) -> list[Grid]:
    """The grids of any supported file, the reader chosen by the file's bytes."""
    kind = sniff_format(path)
    if kind in ("zip", "ole"):
        return read_workbook(path)
    return read_csv(path)
