"""Finding the structure of a sheet: its header row, its title rows, its data rows.

Pure functions over a `Grid`'s cells; they decide nothing about values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from flows.extract.contracts import CONTRACTS, Contract, header_key
from flows.extract.normalise import clean_text, parse_date

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


def _match(keys: dict[str, list[str]], contract: Contract) -> dict[str, str] | None:
    """Field → column letter when every required field has a header; `keys` maps letter → candidates."""
    columns: dict[str, str] = {}
    for f in contract.fields:
        wanted = [header_key(h) for h in f.headers]
        for header in wanted:  # the canonical header first, then the synonyms in order
            letter = next((l for l, candidates in keys.items() if header in candidates and l not in columns.values()), None)
            if letter is not None:
                columns[f.name] = letter
                break
    if all(f.name in columns for f in contract.fields if f.required):
        return columns
    return None


def _candidates(row: pd.Series, below: pd.Series | None = None) -> dict[str, list[str]]:
    """Each column's possible header keys: one row, or a merged group row above a sub-header row."""
    if below is None:
        return {letter: [header_key(v)] for letter, v in row.items() if v is not None and header_key(v)}
    group = row.ffill()  # a merged group cell is only in its first column
    out = {}
    for letter in row.index:
        top, sub = header_key(group[letter]), header_key(below[letter])
        if row[letter] is None and not sub:
            continue
        keys = [k for k in (sub, top + sub, re.sub(r"(信息|情况)$", "", top) + sub, top) if k]
        if keys:
            out[letter] = keys
    return out


def find_header(cells: pd.DataFrame) -> HeaderMatch | None:
    """The header row (or two-row header) whose cells name all required fields of some contract.

    The match naming the most fields wins; on a tie the single row wins over a pair.
    """
    best: tuple[int, int, HeaderMatch] | None = None
    rows = cells.head(HEADER_SEARCH_ROWS)
    numbers = list(rows.index)
    for i, number in enumerate(numbers):
        row = rows.loc[number]
        if row.notna().sum() < 2:
            continue
        layouts = [((int(number),), _candidates(row))]
        if i + 1 < len(numbers) and row.isna().any():
            below = rows.loc[numbers[i + 1]]
            if below.notna().sum() >= 2:
                layouts.append(((int(number), int(numbers[i + 1])), _candidates(row, below)))
        for header_rows, keys in layouts:
            for contract in CONTRACTS:
                columns = _match(keys, contract)
                if columns is None:
                    continue
                score = (len(columns), -len(header_rows))
                if best is None or score > best[:2]:
                    best = (*score, HeaderMatch(contract, header_rows, columns))
    return best[2] if best else None


@dataclass
class TitleInfo:
    """What the rows above the header (or the file name) say about the submission."""

    text: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # 填报单位 → 办公室, 填报日期 → …

    def date(self, label: str) -> date | None:
        return parse_date(self.labels.get(label)).value if label in self.labels else None


_LABELS = "填报单位|填报人|填报日期|导出时间|报送单位|联系电话"
_LABEL = re.compile(rf"({_LABELS})\s*[:：]\s*(.+?)\s*(?=\s|{_LABELS}|$)")


def read_title(cells: pd.DataFrame, header_row: int) -> TitleInfo:
    """Labels such as `填报单位：办公室` and the title text from the rows above the header."""
    parts = []
    for _, row in cells.loc[: header_row - 1].iterrows():
        parts.extend(clean_text(v) for v in row if clean_text(v))
    text = " ".join(parts)
    # full-width spaces separate labels on one line; clean_text made them plain spaces
    labels = {label: value for label, value in _LABEL.findall(text)}
    return TitleInfo(text=text, labels=labels)


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


_NOT_DATA = (("total", r"^(合计|总计|小计|累计)"), ("note", r"^(备注|填表说明|说明|注|附注)\s*[:：]"))


def classify_rows(rows: pd.DataFrame) -> pd.Series:
    """Why each row under the header is not data ('blank', 'total', 'note'), or None if it is.

    Decided on the row's first filled cell, for all rows at once.
    """
    first = rows.bfill(axis=1).iloc[:, 0] if rows.shape[1] else pd.Series(index=rows.index, dtype=object)
    first = first.astype(object).where(first.notna(), "").astype(str).str.strip()
    reason = pd.Series(None, index=rows.index, dtype=object)
    reason[first == ""] = "blank"
    for name, pattern in _NOT_DATA:
        reason[first.str.match(pattern) & reason.isna()] = name
    return reason
