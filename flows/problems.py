"""Open data problems: what must go back to whoever submitted, and where to look."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

PROBLEM_HEADERS = {
    "unit_name": "单位", "path": "文件", "sheet": "工作表", "row_number": "行", "column_letter": "列",
    "field": "字段", "value": "原值", "reason": "问题", "rule": "规则",
}


def open_problems(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> pd.DataFrame:
    """Open problems, one per broken rule, ordered by unit, file, sheet and row."""
    return con.execute(
        f"select {', '.join(PROBLEM_HEADERS)} from marts.open_problems "
        "where ? is null or unit_name = ? order by unit_name, path, sheet, row_number nulls first, column_letter",
        [unit, unit],
    ).df()


def write_problems_csv(problems: pd.DataFrame, path: Path) -> Path:
    """The problems as a CSV that Excel opens in Chinese (UTF-8 with BOM)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    problems.rename(columns=PROBLEM_HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    return path
