"""Readers: one per file format, each turning a file into grids of text cells.

A `Grid` is one sheet as a person sees it in Excel: an Arrow table whose columns are the
column letters and whose rows are the sheet's rows from `first_row` (the row number Excel
shows, 1 for a sheet). Every cell is text or null; typing is the normalisers' job. The
cells stay in Arrow from the reader to the records: a sheet of a few thousand rows costs
more in pandas' per-column overhead than in calamine. Readers know nothing of sources,
Prefect or DuckDB.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from flows.extract.refusals import Refused


@dataclass
class Grid:
    sheet: str
    table: pa.Table | None  # text cells by column letter (missing = null); None when not read
    hidden: bool = False
    first_row: int = 1      # the row number of the table's first row

    @property
    def empty(self) -> bool:
        """No cell holds anything."""
        return (self.table is None or self.table.num_rows == 0 or self.table.num_columns == 0
                or all(column.null_count == len(column) for column in self.table.columns))

    def rows(self, first: int, last: int) -> list[list]:
        """Rows `first`..`last` (row numbers, inclusive) as plain Python values (None for
        missing), for row-by-row logic over a few rows."""
        start = max(first - self.first_row, 0)
        stop = max(last - self.first_row + 1, start)
        part = self.table.slice(start, stop - start)
        return [list(row) for row in zip(*(column.to_pylist() for column in part.columns))]

    @property
    def cells(self) -> pd.DataFrame | None:
        """The cells as pandas, indexed by row number, for showing a sheet (error receipts)."""
        if self.table is None:
            return None
        frame = self.table.to_pandas()
        frame.index = pd.RangeIndex(self.first_row, self.first_row + len(frame))
        return frame


def text_table(rows: list[list]) -> pa.Table:
    """Rows of text (of any lengths) as a grid's table; an empty cell is a missing cell."""
    width = max((len(row) for row in rows), default=0)
    return pa.table({column_letter(i): pa.array([(row[i] if i < len(row) else None) or None for row in rows],
                                                pa.large_string()) for i in range(width)})


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


def read_workbook(path: Path) -> list[Grid]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook (calamine: data only, macros never run).

    The bytes are handed over rather than the path, so that calamine picks the format from
    the content and not from the (possibly wrong) file extension.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(path.read_bytes())
    except Exception as error:  # calamine's errors are precise but English
        message = str(error).splitlines()[0]
        if "password" in message.lower() or "encrypt" in message.lower():
            raise Refused("工作簿设置了密码（已加密），无法读取；请取消密码后重新提交", "encrypted") from error
        raise Refused(f"工作簿已损坏，无法读取（{message}）", "corrupt") from error
    grids = []
    for name in reader.sheet_names:
        # skip_rows=0 keeps leading blank rows, so positions are the ones Excel shows
        sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible":
            grids.append(Grid(name, None, hidden=True))
            continue
        table = pa.Table.from_batches([sheet.to_arrow()])
        grids.append(Grid(name, table.rename_columns([column_letter(c.absolute_index) for c in sheet.available_columns()])))
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
        raise Refused("无法识别文件编码（应为 UTF-8 或 GBK）", "encoding")
    try:
        rows = list(csv.reader(io.StringIO(text)))  # rows may differ in length (title rows)
    except csv.Error as error:
        raise Refused(f"CSV 文件格式错误：{error}", "csv_format") from error
    return [Grid(path.stem, text_table(rows))]
