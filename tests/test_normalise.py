"""The value normalisers: every form sources.md lists, and round trips over many values."""

from datetime import date

import pyarrow as pa
import pytest
from hypothesis import given, strategies as st

from flows.extract.normalise import (
    EXCEL_EPOCH, Parsed, chinese_numeral, clean_array, clean_arrays, clean_text, normalise_array, parse_bool, parse_date,
    parse_int, parse_money,
)


@pytest.mark.parametrize("text, expected", [
    ("2021-03-05", date(2021, 3, 5)),
    ("2021/3/5", date(2021, 3, 5)),
    ("2021.3.5", date(2021, 3, 5)),
    ("2021年3月5日", date(2021, 3, 5)),
    ("2021年3月5号", date(2021, 3, 5)),
    ("2021-03-05 00:00:00", date(2021, 3, 5)),   # an Excel date as the reader renders it
    ("2021年3月5日 14:30", date(2021, 3, 5)),     # with a time
    ("44260", date(2021, 3, 5)),                 # an Excel serial in a General cell
    ("44260.5", date(2021, 3, 5)),               # a serial with a time of day
    ("２０２１年３月５日", date(2021, 3, 5)),      # full-width digits
    (" 2021-3-5 ", date(2021, 3, 5)),
    (None, None),
    ("", None),
])
def test_dates_in_every_listed_form(text, expected):
    assert parse_date(text) == Parsed(expected)


def test_month_and_day_take_the_year_of_the_period():
    assert parse_date("3月5日", default_year=2021) == Parsed(date(2021, 3, 5))
    assert parse_date("3月5日").error == "“3月5日”缺少年份，且无法从填报期间确定"


@pytest.mark.parametrize("text, error", [
    ("2021-02-30", "“2021-02-30”不是有效日期"),
    ("下周三", "“下周三”不是可识别的日期"),
    ("٢٠٢١-٠٣-٠٥", "“٢٠٢١-٠٣-٠٥”不是可识别的日期"),  # Arabic-Indic digits are not numbers here
    ("2021-03-05abc", "“2021-03-05abc”不是可识别的日期"),
])
def test_unreadable_dates_are_errors_not_guesses(text, error):
    assert parse_date(text) == Parsed(None, error=error)


@pytest.mark.parametrize("text, value, approximate", [
    ("32", 32, False),
    ("３２", 32, False),
    ("32人", 32, False),
    ("32 人次", 32, False),
    ("约30", 30, True),
    ("30余", 30, True),
    ("30余人", 30, True),
    ("30多人", 30, True),
    ("十二", 12, False),
    ("两", 2, False),
    ("一百零五", 105, False),
    ("三十余人", 30, True),
    ("10万+", 100000, True),
    ("1,200", 1200, False),
    ("-3", -3, False),                  # readable; the range rule rejects it later
    ("32.0", 32, False),
])
def test_counts_as_people_write_them(text, value, approximate):
    assert parse_int(text) == Parsed(value, approximate)


@pytest.mark.parametrize("text, error", [
    ("若干", "“若干”不是可识别的数字"),
    ("٣٢", "“٣٢”不是可识别的数字"),
    ("3.5", "“3.5”不是整数"),
])
def test_unreadable_counts_are_errors(text, error):
    assert parse_int(text) == Parsed(None, error=error)


@pytest.mark.parametrize("text, value", [
    ("5000", 5000), ("5000元", 5000), ("1万元", 10000), ("1.5万", 15000), ("80万元", 800000), ("12.5", 12.5),
])
def test_money_in_yuan(text, value):
    assert parse_money(text).value == value


@pytest.mark.parametrize("text, value", [
    ("是", True), ("否", False), ("√", True), ("Y", True), ("n", False), ("", None), (None, None),
])
def test_yes_no(text, value):
    assert parse_bool(text) == Parsed(value)


def test_yes_no_refuses_anything_else():
    assert parse_bool("待定").error == "“待定”不是“是/否”"


def test_text_loses_full_width_spaces_and_line_breaks():
    assert clean_text("\u3000学习《党史》\n第一章  ") == "学习《党史》 第一章"
    assert clean_text("\u3000 \n") is None


def test_a_column_is_parsed_once_per_distinct_value_and_keeps_its_alignment():
    seen = []

    def counting(text):
        seen.append(text)
        return parse_int(text)

    column = pa.array(["3", None, "约5", "3", "x"])
    values, approximate = normalise_array(column, counting, pa.int64())
    assert sorted(seen) == ["3", "x", "约5"]
    assert values.to_pylist() == [3, None, 5, 3, None]
    assert approximate.to_pylist() == [False, False, True, False, False]


def test_columns_are_cleaned_like_single_cells():
    column = pa.array(["\u3000学习《党史》\n第一章  ", "  ", None, "a\xa0 b"])
    assert clean_array(column).to_pylist() == [clean_text(v) for v in column.to_pylist()] == ["学习《党史》 第一章", None, None, "a b"]


def test_a_small_sheets_columns_cleaned_together_are_cleaned_like_each_alone():
    columns = [pa.chunked_array([["\u3000学习《党史》\n第一章  ", "  "], [None, "a\xa0 b"]]),  # two chunks
               pa.array(["办公室", " 研究室", None, ""]),                                   # nothing to collapse
               pa.array([67.0, None, 3.5, 12.0]),                                            # numbers as read
               pa.array([None, None, None, None], pa.null())]
    assert [c.to_pylist() for c in clean_arrays(columns)] == [clean_array(c).to_pylist() for c in columns] == [
        ["学习《党史》 第一章", None, None, "a b"], ["办公室", "研究室", None, None], ["67", None, "3.5", "12"],
        [None, None, None, None]]


# ------------------------------------------------------------- properties

@given(st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)))
def test_excel_serials_round_trip(day):
    serial = (day - EXCEL_EPOCH).days
    assert parse_date(str(serial)).value == day
    assert parse_date(f"{serial}.75").value == day


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_written_dates_round_trip(day):
    for text in (f"{day.year}年{day.month}月{day.day}日", f"{day.year}/{day.month}/{day.day}",
                 f"{day.year}.{day.month}.{day.day}", day.isoformat()):
        assert parse_date(text).value == day


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def to_chinese(n: int) -> str:
    """A plain writer of Chinese numerals (0 ≤ n < 100 000 000) to test the reader against."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def below_10000(m: int) -> str:
        out, zero = "", False
        for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            d = m // size % 10
            if d:
                out += ("零" if zero and out else "") + digits[d] + unit
                zero = False
            else:
                zero = True
        return out

    high, low = divmod(n, 10000)
    text = (below_10000(high) + "万" if high else "") + (("零" if high and low < 1000 else "") + below_10000(low) if low else "")
    return text


@given(st.integers(min_value=0, max_value=10**9))
def test_full_width_digits_round_trip(n):
    assert parse_int(full_width(str(n))) == Parsed(n)


@given(st.integers(min_value=0, max_value=99_999_999))
def test_chinese_numerals_round_trip(n):
    assert chinese_numeral(to_chinese(n)) == n


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["约{}", "{}余", "{}余人", "约{}人", "{}多"]))
def test_approximations_are_flagged_not_made_exact(n, pattern):
    assert parse_int(pattern.format(n)) == Parsed(n, approximate=True)
