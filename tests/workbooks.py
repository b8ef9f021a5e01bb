"""Writing small real workbooks and csv files for tests, cell by cell as a person would."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import xlsxwriter


def write_xlsx(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = (),
               origin: tuple[int, int] = (0, 0)) -> Path:
    """A workbook with the given sheets; rows start at `origin` (row, column), 0-based."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                at = (origin[0] + r, origin[1] + c)
                if isinstance(value, date):
                    sheet.write_datetime(*at, datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, str):
                    sheet.write_string(*at, value)  # text that looks like a formula stays text
                elif value is not None:
                    sheet.write(*at, value)
        if name in hidden:
            sheet.hide()
        elif not any(ws.name not in hidden for ws in book.worksheets()[:-1]):
            sheet.activate()  # Excel cannot hide the active sheet: make the first visible one active
            sheet.set_first_sheet()
    book.close()
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


LEDGER_HEADER = ["序号", "活动日期", "活动类型", "活动名称", "组织单位", "主讲人", "主讲人职务", "参加人数",
                 "活动地点", "活动形式", "是否第一议题", "备注"]


def abort_on_poison(path: Path):
    """A reader for isolation tests: kills its own process on files named *poison*, like a parser crash."""
    import os

    from flows.extract import extract_file

    if "poison" in path.name:
        os.abort()
    return extract_file(path)


def rewrite_zip(source: Path, target: Path, change: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    """A copy of an Office file with some parts replaced or added (for hostile-file tests)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item, (change or {}).get(item.filename, old.read(item.filename)))
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target
