"""Value normalisers: one pure function per kind of value, shared by every reader.

Each takes the cell as text (readers hand over text; Excel dates arrive as
`2021-03-05 00:00:00`, serial numbers as `44260`) and returns a `Parsed`: the value,
whether the input was approximate (`约30`), and an error in plain Chinese when the
text cannot be read. They never guess: what they cannot read is an error, not a default.
Being pure, they are memoised: the same dates, types and counts recur across files.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Parsed(NamedTuple):
    """One cell's value as parsed. `error` says in words why a text did not parse; the pipeline
    does not show it: a value that does not parse stays null beside its original text, and the
    problem sent back comes from the expectation suite's reason (expectations/*.json, the one
    place for what people are told). It documents each parser's refusals in its tests."""

    value: Any
    approximate: bool = False
    error: str | None = None


EMPTY = Parsed(None)
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, skipping Excel's phantom 1900-02-29
_SERIAL_RANGE = (1, 2958465)      # 1900-01-01 .. 9999-12-31


def clean_text(text: Any) -> str | None:
    """Trim, turn full-width spaces and line breaks into single spaces; blank becomes None."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    text = str(text).replace("\u3000", " ").replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def as_written(text: Any) -> str | None:
    """A cell's text as the person sees it in Excel: a date cell loses the reader's `00:00:00`."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    text = str(text)
    return text[:-9] if re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", text, re.ASCII) else text


# A sheet of fewer rows is read in plain Python, cell by cell: the fixed cost of each Arrow
# call (≈ 5-20 µs) outweighs so few rows. A sheet of more is read in Arrow, column by column.
# Both ways give the same records (tests/test_extract.py compares them).
PLAIN_ROWS = 64

# A cell's runs of these become one space (a tab, a line break, a no-break or full-width
# space); then the text is trimmed of any Unicode space, and blank is no text.
_COLLAPSED = "\t\n\f\r \xa0\u3000"
_COLLAPSE_CELL = re.compile(f"[{_COLLAPSED}]+")
_COLLAPSE_COLUMN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _COLLAPSED) + "]+"  # the same, for Arrow (RE2)


def clean_cell(text: str | None) -> str | None:
    """A record's cell as `clean_array` cleans it, for one cell of text."""
    if text is None:
        return None
    return _COLLAPSE_CELL.sub(" ", text).strip() or None


def clean_array(array: pa.Array) -> pa.Array:
    """`clean_cell` for a whole column at once, in Arrow (vectorised, no Python per cell).

    Most columns hold no space that the collapsing would change (a tab, a line break, two
    spaces, a full-width or no-break space); for them trimming alone gives the same result,
    and a look at the column's bytes is far cheaper than the regular expression."""
    array = array.cast(pa.large_string())
    if _may_collapse(array):
        array = pc.replace_substring_regex(array, pattern=_COLLAPSE_COLUMN, replacement=" ")
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.large_string()), array)


def one_type(arrays: list) -> list:
    """Arrays of one type: as they are when they share one (columns as read are all text),
    otherwise all as large text."""
    if len({array.type for array in arrays}) > 1:
        return [array.cast(pa.large_string()) for array in arrays]
    return arrays


def clean_arrays(arrays: list[pa.Array | pa.ChunkedArray]) -> list[pa.Array]:
    """`clean_array` for several columns at once: joined, cleaned in one pass, split again
    (zero-copy slices). For small sheets, where the fixed cost of each Arrow call outweighs
    a column's few rows."""
    if not arrays:
        return []
    chunks = one_type([chunk for array in arrays
                       for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array])])
    cleaned = clean_array(pa.concat_arrays(chunks) if chunks else pa.array([], pa.large_string()))
    offsets = np.cumsum([0] + [len(array) for array in arrays])
    return [cleaned.slice(start, end - start) for start, end in zip(offsets[:-1], offsets[1:])]


_COLLAPSED_BYTES = np.zeros(256, dtype=bool)
_COLLAPSED_BYTES[[0x09, 0x0A, 0x0C, 0x0D]] = True  # ASCII spaces other than the plain one


def _may_collapse(array: pa.Array | pa.ChunkedArray) -> bool:
    """Whether collapsing spaces could change any text of `array` (UTF-8 bytes: a tab or line
    break, two plain spaces in a row, U+00A0 = C2 A0, U+3000 = E3 80 80). May say yes wrongly
    (bytes outside a slice), never no wrongly."""
    for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array]):
        data = chunk.buffers()[2]
        if data is None:
            continue
        b = np.frombuffer(data, dtype=np.uint8)
        if (_COLLAPSED_BYTES[b].any() or ((b[:-1] == 0x20) & (b[1:] == 0x20)).any()
                or ((b[:-1] == 0xC2) & (b[1:] == 0xA0)).any()
                or ((b[:-2] == 0xE3) & (b[1:-1] == 0x80) & (b[2:] == 0x80)).any()):
            return True
    return False


def _ascii_digits(text: str) -> str:
    """Full-width digits and signs to ASCII (NFKC); other scripts' digits stay as they are."""
    return unicodedata.normalize("NFKC", text)


def parse_text(text: Any) -> Parsed:
    return Parsed(clean_text(text))


# ---------------------------------------------------------------- dates

_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})", re.ASCII),
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?", re.ASCII),
    re.compile(r"^(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?", re.ASCII),
    # 腾讯问卷's export: 02-Sep-2021 07:44:08
    re.compile(r"^(?P<d>\d{1,2})-(?P<m>[A-Za-z]{3})-(?P<y>\d{4})", re.ASCII),
]  # re.ASCII: \d is 0-9 only; digits of other scripts are not numbers here
_MONTHS = {name: n for n, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                             "nov", "dec"), start=1)}
# an 8-digit day, as the 微信公众号 backend writes 发表时间: 20211101 (a number, or its text)
_EIGHT_DIGITS = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:\.0+)?", re.ASCII)
_TIME_TAIL = re.compile(r"^(\s*(\d{1,2}[:：]\d{2}([:：]\d{2}(\.\d+)?)?|T\d{2}:\d{2}(:\d{2})?)?)\s*$", re.ASCII)


def excel_serial_to_date(serial: float) -> date:
    """An Excel (1900 system) serial day number to a date; the time of day is dropped."""
    return EXCEL_EPOCH + timedelta(days=int(serial))


@lru_cache(maxsize=200_000)
def parse_date(text: Any, default_year: int | None = None) -> Parsed:
    """Dates as people and platforms write them: Excel serials, 2021-03-05, 2021/3/5, 2021.3.5,
    2021年3月5日 and 3月5日 (year from the period), 20211101, 02-Sep-2021, each optionally
    followed by a time."""
    text = clean_text(text)
    if text is None:
        return EMPTY
    text = _ascii_digits(text)
    eight = _EIGHT_DIGITS.fullmatch(text)
    if eight:
        try:
            return Parsed(date(int(eight["y"]), int(eight["m"]), int(eight["d"])))
        except ValueError:
            return Parsed(None, error=f"“{text}”不是有效日期")
    if re.fullmatch(r"\d+(\.\d+)?", text, re.ASCII):
        serial = float(text)
        if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            return Parsed(excel_serial_to_date(serial))
        return Parsed(None, error=f"“{text}”不是有效日期")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match or not _TIME_TAIL.match(text[match.end():]):
            continue
        year = int(match.group("y")) if "y" in match.groupdict() else default_year
        if year is None:
            return Parsed(None, error=f"“{text}”缺少年份，且无法从填报期间确定")
        month = match.group("m")
        month = _MONTHS.get(month.lower(), 0) if month.isalpha() else int(month)
        try:
            return Parsed(date(year, month, int(match.group("d"))))
        except ValueError:
            return Parsed(None, error=f"“{text}”不是有效日期")
    return Parsed(None, error=f"“{text}”不是可识别的日期")


_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?", re.ASCII)


@lru_cache(maxsize=200_000)
def parse_datetime(text: Any) -> Parsed:
    """A date with an optional time of day (online-form submission times): 2022/06/13 20:05:00."""
    day = parse_date(text)
    if day.value is None:
        return day
    cleaned = _ascii_digits(clean_text(text))
    serial = re.fullmatch(r"\d+\.(\d+)", cleaned, re.ASCII)
    if serial:
        seconds = round(float("0." + serial.group(1)) * 86400)
        return Parsed(datetime.combine(day.value, time()) + timedelta(seconds=seconds))
    clock = _CLOCK.search(cleaned)
    hour, minute, second = (int(clock.group(i) or 0) for i in (1, 2, 3)) if clock else (0, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        return Parsed(None, error=f"“{clean_text(text)}”不是有效时间")
    return Parsed(datetime.combine(day.value, time(hour, minute, second)))


# ---------------------------------------------------------------- numbers

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = re.compile(r"^[零〇一二两三四五六七八九十百千万]+$")
_MEASURE_WORDS = "人次|人|次|场次|场|期|户|个|家|篇|本|套|台|盏|株|件|份|项|名|位|元|万元"
_NUMBER = re.compile(
    rf"^(?P<about>约|大约|近)?\s*(?P<num>[+-]?\d+(\.\d+)?)\s*(?P<wan>万)?\s*(?P<more>余|多|\+)?\s*"
    rf"(?:{_MEASURE_WORDS})?\s*(?P<more2>余|多)?$",
    re.ASCII,
)


def chinese_numeral(text: str) -> int | None:
    """十二 → 12, 两 → 2, 一百零五 → 105, 三万 → 30000; None when it is not one."""
    if not _CN_NUMERAL.match(text):
        return None
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        elif char == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)


def _parse_number(text: Any) -> Parsed:
    text = clean_text(text)
    if text is None:
        return EMPTY
    text = _ascii_digits(text).replace(",", "").replace(" ", "")
    match = _NUMBER.match(text)
    if match:
        value = float(match.group("num")) * (10000 if match.group("wan") else 1)
        approximate = bool(match.group("about") or match.group("more") or match.group("more2"))
        return Parsed(value, approximate)
    stripped = re.sub(rf"(?:{_MEASURE_WORDS})$", "", text)
    about = stripped.startswith(("约", "近"))
    more = stripped.endswith(("余", "多"))
    core = stripped.lstrip("约近").rstrip("余多")
    value = chinese_numeral(core)
    if value is not None:
        return Parsed(float(value), about or more)
    return Parsed(None, error=f"“{text}”不是可识别的数字")


@lru_cache(maxsize=200_000)
def parse_int(text: Any) -> Parsed:
    """Counts as people write them: 32, ３２, 32人, 约30, 30余, 十二, 两, 10万+."""
    parsed = _parse_number(text)
    if parsed.value is None or parsed.error:
        return parsed
    if parsed.value != int(parsed.value):
        return Parsed(None, error=f"“{clean_text(text)}”不是整数")
    if abs(parsed.value) >= 2**53:
        return Parsed(None, error=f"“{clean_text(text)}”数值过大")
    return Parsed(int(parsed.value), parsed.approximate)


@lru_cache(maxsize=200_000)
def parse_money(text: Any) -> Parsed:
    """Amounts in 元: 5000, 5000元, 1万元, 1.5万 (→ 15000)."""
    parsed = _parse_number(text)
    if parsed.value is None or parsed.error:
        return parsed
    if abs(parsed.value) >= 1e15:
        return Parsed(None, error=f"“{clean_text(text)}”数值过大")
    return Parsed(round(parsed.value, 2), parsed.approximate)


# ---------------------------------------------------------------- yes / no

_YES = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "对", "有"}
_NO = {"否", "×", "✗", "n", "no", "false", "0", "无", "不是"}


@lru_cache(maxsize=200_000)
def parse_bool(text: Any) -> Parsed:
    """是/否, √/blank, Y/N; blank is unknown (None)."""
    text = clean_text(text)
    if text is None:
        return EMPTY
    key = _ascii_digits(text).lower()
    if key in _YES:
        return Parsed(True)
    if key in _NO:
        return Parsed(False)
    return Parsed(None, error=f"“{text}”不是“是/否”")


# ---------------------------------------------------------------- columns

def normalise_array(array: pa.Array, parse: Callable[[Any], Parsed], kind: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """Apply a normaliser to a whole column, once per distinct value (ledgers repeat a lot).

    Returns the parsed values (of Arrow type `kind`, null where unreadable) and whether each
    was approximate, aligned with `array`.
    """
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    parsed = [parse(text) for text in encoded.dictionary.to_pylist()]
    values = pa.array([p.value for p in parsed], type=kind)
    approximate = pa.array([p.approximate for p in parsed], type=pa.bool_())
    return values.take(encoded.indices), pc.fill_null(approximate.take(encoded.indices), False)


def normalise_cells(texts: list[str | None], parse: Callable[[Any], Parsed], kind: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """`normalise_array` for a small sheet's column, cell by cell (the parsers remember the
    values they have seen)."""
    parsed = [EMPTY if text is None else parse(text) for text in texts]
    return pa.array([p.value for p in parsed], type=kind), pa.array([p.approximate for p in parsed], type=pa.bool_())
