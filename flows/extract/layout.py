"""Finding the structure of a sheet: its header row, its title rows, its data rows.

Pure functions over a `Grid`'s cells; they decide nothing about values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.contracts import CONTRACTS, Contract, header_key
from flows.extract.grids import Grid
from flows.extract.normalise import PLAIN_ROWS, clean_text, one_type, parse_date

HEADER_SEARCH_ROWS = 30  # the header is looked for in the first rows only


@dataclass
class HeaderMatch:
    contract: Contract
    header_rows: tuple[int, ...]  # Excel row numbers of the header (two for a grouped header)
    columns: dict[str, str]       # field → column letter

    @property
    def row(self) -> int:
        """The last header row: data starts below it."""
        return self.header_rows[-1]


@cache
def _wanted() -> tuple[tuple[Contract, tuple[tuple[str, tuple[str, ...], bool], ...]], ...]:
    """Per contract, per field: its header keys (canonical first) and whether it is required."""
    return tuple((c, tuple((f.name, tuple(header_key(h) for h in f.headers), f.required) for f in c.fields))
                 for c in CONTRACTS)


@cache
def _known_keys() -> frozenset[str]:
    return frozenset(key for _, fields in _wanted() for _, keys, _ in fields for key in keys)


def _match(keys: dict[str, list[str]], fields) -> dict[str, str] | None:
    """Field → column letter when every required field has a header; `keys` maps key → letters."""
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for name, wanted, required in fields:
        for key in wanted:  # the canonical header first, then the synonyms in order
            letter = next((l for l in keys.get(key, ()) if l not in taken), None)
            if letter is not None:
                columns[name] = letter
                taken.add(letter)
                break
        else:
            if required:
                return None
    return columns


def _layout(letters: list[str], row: list, below: list | None = None) -> dict[str, list[str]]:
    """Header key → the columns it names: one row, or a merged group row above a sub-header row."""
    keys: dict[str, list[str]] = {}
    group = None
    for i, letter in enumerate(letters):
        top = header_key(row[i]) if row[i] is not None else ""
        if below is None:
            candidates = [top]
        else:
            group = top or group  # a merged group cell holds its text in its first column only
            sub = header_key(below[i]) if below[i] is not None else ""
            if not top and not sub:
                continue
            grouped = group or ""
            stem = re.sub(r"(信息|情况)$", "", grouped)  # 主讲人信息 / 姓名 → 主讲人
            candidates = [sub, grouped + sub, stem + sub, stem, top]
        for key in candidates:
            if key:
                keys.setdefault(key, []).append(letter)
    return keys


def find_header(grid: Grid) -> HeaderMatch | None:
    """The header row (or two-row header) whose cells name all required fields of some contract.

    The match naming the most fields wins; on a tie the single row wins over a pair.
    """
    rows = grid.rows(grid.first_row, grid.first_row + HEADER_SEARCH_ROWS - 1)
    letters = grid.table.column_names
    numbers = [grid.first_row + i for i in range(len(rows))]
    known = _known_keys()
    best: tuple[int, int, HeaderMatch] | None = None
    for i, row in enumerate(rows):
        filled = sum(v is not None for v in row)
        if filled < 2 or not any(v is not None and header_key(v) in known for v in row):
            continue
        layouts = [((numbers[i],), _layout(letters, row))]
        if i + 1 < len(rows) and filled < len(row) and sum(v is not None for v in rows[i + 1]) >= 2:
            layouts.append(((numbers[i], numbers[i + 1]), _layout(letters, row, rows[i + 1])))
        for header_rows, keys in layouts:
            for contract, fields in _wanted():
                columns = _match(keys, fields)
                if columns is None:
                    continue
                score = (len(columns), -len(header_rows))
                if best is None or score > best[:2]:
                    best = (*score, HeaderMatch(contract, header_rows, columns))
    return best[2] if best else None


@dataclass
class TitleInfo:
    """What the rows above the header (or the file name) say about the submission."""

    text: str = ""  # the title rows without their labels (where the period is named)
    labels: dict[str, str] = field(default_factory=dict)  # 填报单位 → 办公室, 填报日期 → …

    def date(self, label: str) -> date | None:
        return parse_date(self.labels.get(label)).value if label in self.labels else None


_LABELS = "填报单位|填报人|填报日期|导出时间|报送单位|联系电话"
_LABEL = re.compile(rf"({_LABELS})\s*[:：]\s*(.+?)\s*(?=\s|{_LABELS}|$)")


def read_title(grid: Grid, header_row: int) -> TitleInfo:
    """Labels such as `填报单位：办公室` and the title text from the rows above the header."""
    parts = []
    for row in grid.rows(grid.first_row, header_row - 1):
        parts.extend(clean_text(v) for v in row if clean_text(v))
    text = " ".join(parts)
    # full-width spaces separate labels on one line; clean_text made them plain spaces
    labels = {label: value for label, value in _LABEL.findall(text)}
    # the title proper, without the labels: 填报日期 is a date, not the reporting period
    return TitleInfo(text=_LABEL.sub(" ", text), labels=labels)


@dataclass(frozen=True)
class Period:
    label: str   # 2021-03, 2021-Q1, 2021
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year


_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def find_period(*texts: str) -> Period | None:
    """The reporting period named in a title or a file name: a month, a quarter or a year."""
    for text in texts:
        if not text:
            continue
        quarter = re.search(r"(20\d{2})\s*年?\s*第?\s*([一二三四1-4])\s*季度", text)
        if quarter:
            year, q = int(quarter.group(1)), _CN_QUARTER[quarter.group(2)]
            end = pd.Timestamp(year, q * 3, 1) + pd.offsets.MonthEnd(0)
            return Period(f"{year}-Q{q}", date(year, q * 3 - 2, 1), end.date())
        month = re.search(r"(20\d{2})\s*[年.\-_/]\s*(\d{1,2})(?!\d)\s*月?", text)
        if month and 1 <= int(month.group(2)) <= 12:
            year, m = int(month.group(1)), int(month.group(2))
            end = pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0)
            return Period(f"{year}-{m:02d}", date(year, m, 1), end.date())
        year = re.search(r"(20\d{2})\s*年", text) or re.search(r"(?<!\d)(20\d{2})(?!\d)", text)
        if year:
            y = int(year.group(1))
            return Period(str(y), date(y, 1, 1), date(y, 12, 31))
    return None


def find_date_in_name(stem: str) -> date | None:
    """An export date in a file name: `…_2022-09-30`, `…_20221231`."""
    match = re.search(r"(20\d{2})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)", stem)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


def unit_from_file_name(stem: str) -> str | None:
    """`机关党支部2021年3月学习台账` → 机关党支部; `学会部-2021.05-办实事清单` → 学会部."""
    head = re.split(r"[\d_\-—（(]", stem, maxsplit=1)[0]
    head = re.sub(r"^(XX|xx)?市?社科联", "", head).strip(" -_")
    return head or None


_VERSION_WORDS = (("最终版", 99), ("定稿", 99), ("修改版", 2), ("修订版", 2), ("更正版", 2), ("更新版", 2))


def version_rank(stem: str) -> int:
    """How late a version a file name claims to be: 1 plain, vN → N, 修改版 → 2, 最终版 → 99."""
    for word, rank in _VERSION_WORDS:
        if word in stem:
            return rank
    numbered = re.search(r"(?:v|V|第)(\d{1,2})版?", stem)
    return int(numbered.group(1)) if numbered else 1


# a row is not data when its first filled cell starts so (the spaces are RE2's \s, spelled out
# so that Python's `re` reads the pattern the same)
_NOT_DATA = (("total", r"^(合计|总计|小计|累计)"), ("note", r"^(备注|填表说明|说明|注|附注)[\t\n\f\r ]*[:：]"))
_NOT_DATA_PLAIN = tuple((name, re.compile(pattern)) for name, pattern in _NOT_DATA)


def classify_rows(rows: pa.Table) -> np.ndarray:
    """Why each row of `rows` is not data ('blank', 'total', 'note'), or None if it is.

    Decided on the row's first filled cell: row by row for a small sheet (`why_not_data`), in
    Arrow for all rows at once for a larger one. Cells holding only spaces are rare; rows
    whose first cell is one are looked at again cell by cell.
    """
    if rows.num_rows < PLAIN_ROWS:
        return np.array([why_not_data(row) for row in zip(*(column.to_pylist() for column in rows.columns))],
                        dtype=object)
    reasons = np.full(rows.num_rows, None, dtype=object)
    if rows.num_columns == 0:
        return reasons
    first = pc.utf8_trim_whitespace(pc.coalesce(*one_type(rows.columns)))
    spaces_only = pc.fill_null(pc.equal(first, ""), False).to_numpy(zero_copy_only=False)
    if spaces_only.any():
        firsts = first.to_pylist()
        for position in spaces_only.nonzero()[0]:
            firsts[position] = _first_filled(rows.slice(int(position), 1).to_pylist()[0].values())
        first = pa.array(firsts, type=first.type)
    reasons[pc.is_null(first).to_numpy(zero_copy_only=False)] = "blank"
    for name, pattern in _NOT_DATA:
        matched = pc.fill_null(pc.match_substring_regex(first, pattern), False).to_numpy(zero_copy_only=False)
        reasons[matched & pd.isna(reasons)] = name
    return reasons


def why_not_data(row) -> str | None:
    """`classify_rows` for one row of plain values."""
    first = next((value for value in row if value is not None), None)
    if first is not None:
        first = str(first).strip() or _first_filled(row)
    if first is None:
        return "blank"
    return next((name for name, pattern in _NOT_DATA_PLAIN if pattern.match(first)), None)


def _first_filled(row) -> str | None:
    """A row's first cell holding more than spaces, trimmed."""
    cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
    return cells[0] if cells else None
