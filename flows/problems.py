"""Open data problems, and the error receipts (错误回执) that take them back to their senders.

A receipt is one workbook per unit: a list of every open problem, then for each sheet that
has bad rows the sheet as the unit sent it — every original row, the bad cells filled red,
a reason column at the end — ready to correct and send again. Everything is written as
text, so a cell that looks like a formula (`=`, `+`, `-`, `@`) stays what it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import xlsxwriter

from flows.extract import read_grids
from flows.inbox import receipt_path, receipts_in
from flows.extract.normalise import as_written

PROBLEM_HEADERS = {
    "unit_name": "单位", "path": "文件", "sheet": "工作表", "row_number": "行", "column_letter": "列",
    "field": "字段", "value": "原值", "reason": "问题", "rule": "规则", "first_seen_at": "发现时间",
}


def open_problems(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> pd.DataFrame:
    """Open problems, one per broken rule, ordered by unit, file, sheet and row (with the file's source)."""
    return con.execute(
        f"select {', '.join(PROBLEM_HEADERS)}, source from marts.open_problems "
        "where ? is null or unit_name = ? order by unit_name, path, sheet, row_number nulls first, column_letter",
        [unit, unit],
    ).df()


def write_problems_csv(problems: pd.DataFrame, path: Path) -> Path:
    """The problems as a CSV that Excel opens in Chinese (UTF-8 with BOM)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    problems[list(PROBLEM_HEADERS)].rename(columns=PROBLEM_HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _sheet_name(index: int, name: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    base = re.sub(r"[\[\]:*?/\\]", "_", f"{index}-{name}")[:31]
    while base in used:
        base = base[:28] + f"~{len(used)}"
    used.add(base)
    return base


def _cell_text(value) -> str:
    return as_written(None if value is None or pd.isna(value) else value) or ""


def write_receipt(problems: pd.DataFrame, inbox: Path, path: Path) -> Path:
    """One unit's error receipt: the problem list, then each affected sheet with its bad cells marked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
    reason_format = book.add_format({"font_color": "#9C0006", "text_wrap": True})
    used: set[str] = set()

    listing = book.add_worksheet(_sheet_name(0, "问题清单", used))
    columns = ["path", "sheet", "row_number", "column_letter", "value", "reason"]
    listing.write_row(0, 0, [PROBLEM_HEADERS[c] for c in columns], header)
    for r, row in enumerate(problems[columns].itertuples(index=False), start=1):
        for c, value in enumerate(row):
            listing.write_string(r, c, _cell_text(value))
    listing.set_column(0, 0, 40)
    listing.set_column(5, 5, 60)

    row_problems = problems[problems["row_number"].notna()]
    for index, ((file_path, sheet), found) in enumerate(row_problems.groupby(["path", "sheet"], sort=True), start=1):
        out = book.add_worksheet(_sheet_name(index, sheet, used))
        grid = next((g for g in read_grids(inbox / file_path) if g.sheet == sheet), None) \
            if (inbox / file_path).exists() else None
        marks = {(int(r.row_number), r.column_letter) for r in found.itertuples()}
        reasons = found.groupby("row_number")["reason"].apply(lambda rs: "；".join(dict.fromkeys(rs)))
        if grid is None or grid.cells is None:  # the original is gone: list what is known
            out.write_string(0, 0, f"原文件 {file_path} 已不在收件箱，以下为有问题的行", header)
            for r, row in enumerate(found.itertuples(), start=1):
                out.write_row(r, 0, [str(int(row.row_number)), row.column_letter or "", _cell_text(row.value), row.reason])
            continue
        cells = grid.cells
        if "source" in found and (found["source"] == "online_form").all():
            # a form export holds every unit's answers: this unit sees its header and its own rows only
            cells = cells[[n == cells.index[0] or int(n) in reasons.index for n in cells.index]]
        last = len(cells.columns)
        for r, (number, values) in enumerate(zip(cells.index, cells.itertuples(index=False))):
            for c, (letter, value) in enumerate(zip(cells.columns, values)):
                out.write_string(r, c, _cell_text(value), bad if (int(number), letter) in marks else None)
            if int(number) in reasons.index:
                out.write_string(r, last, reasons[int(number)], reason_format)
        out.set_column(last, last, 50)
        out.freeze_panes(0, 0)
    book.close()
    return path


def receipts_to_write(problems: pd.DataFrame, out: Path, units: set[str] | None = None) -> set[str]:
    """The units whose receipt `write_receipts` writes: those of `units` (default: all) with open
    problems, and any with open problems and no receipt yet."""
    return {unit for unit in set(problems["unit_name"])
            if units is None or unit in units or not receipt_path(out, unit).exists()}


def write_receipts(problems: pd.DataFrame, inbox: Path, out: Path, units: set[str] | None = None) -> list[Path]:
    """One receipt per unit with open problems: rewritten for `units` (default: all), kept for the
    others, removed for units with none left. Returns every current receipt."""
    current = {unit: found for unit, found in problems.groupby("unit_name", sort=True)}
    for stale in receipts_in(out):
        if stale.stem.removeprefix("错误回执_") not in current:
            stale.unlink()
    writing = receipts_to_write(problems, out, units)
    paths = []
    for unit, found in current.items():
        path = receipt_path(out, unit)
        if unit in writing:
            write_receipt(found, inbox, path)
        paths.append(path)
    return paths
