"""The four report types and their periods: what a week, month or year of reporting covers.

Each report has a main window (the period it reports on) and the other windows its
template may name: `y` the year to the period's end; for the monthly report `p` the month
before (month-on-month). Names of files and titles come from here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


PERIOD_OPTIONS = {  # kind -> the command line's period option and its form
    "weekly": ("--week", "YYYY-Www"),
    "monthly": ("--month", "YYYY-MM"),
    "annual": ("--year", "YYYY"),
    "duty": ("--year", "YYYY"),
}


def report_command(kind: str, period: str, end: str | None = None, *options: str) -> str:
    """The command that writes this report: `taizhang report monthly --month 2021-07 …`."""
    return " ".join(["taizhang report", kind, PERIOD_OPTIONS[kind][0], period,
                     *(["--end", end] if end else []), *options])


@dataclass(frozen=True)
class Window:
    """A named span of a report's period (`w` the week, `m` the month, `p` the month before, `y`
    the year to the period's end): the dates figures of that name are counted over."""

    start: date
    end: date


@dataclass(frozen=True)
class ReportPeriod:
    kind: str             # weekly | monthly | annual | duty
    label: str            # 2021-W05, 2021-03, 2021, 2021 (…至2021-11-30)
    start: date
    end: date
    windows: dict[str, Window]

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]

    @property
    def main(self) -> str:
        """The template's name for the period itself."""
        return MAIN_WINDOW[self.kind]

    def words(self) -> dict[str, str]:
        """The period in words, for templates: {year} {month} {week} {start} {end} …"""
        return {"year": str(self.end.year), "month": str(self.end.month), "week": self.label.split("W")[-1].lstrip("0"),
                "start": chinese_date(self.start), "end": chinese_date(self.end),
                "end_full": chinese_date(self.end, with_year=True)}


TYPE_NAMES = {"weekly": "周报", "monthly": "月报", "annual": "年度总结", "duty": "述职报告"}
MAIN_WINDOW = {"weekly": "w", "monthly": "m", "annual": "y", "duty": "y"}


def chinese_date(day: date, with_year: bool = False) -> str:
    """4月30日, or with the year 2021年4月30日."""
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def _year_to(end: date) -> Window:
    return Window(date(end.year, 1, 1), end)


def week(text: str) -> ReportPeriod:
    """'2021-W05' → Monday to Sunday of ISO week 5 of 2021."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", text)
    try:
        if not match:
            raise ValueError
        start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"a week is written like 2021-W05 (ISO week), not {text!r}") from None
    end = start + timedelta(days=6)
    return ReportPeriod("weekly", text, start, end, {"w": Window(start, end), "y": _year_to(end)})


def month(text: str) -> ReportPeriod:
    """'2021-03' → 2021-03-01 to 2021-03-31, with the month before and the year to date."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    try:
        if not match:
            raise ValueError
        year, number = int(match[1]), int(match[2])
        start = date(year, number, 1)
    except ValueError:
        raise ValueError(f"a month is written like 2021-03, not {text!r}") from None
    end = date(year, number, calendar.monthrange(year, number)[1])
    before_end = start - timedelta(days=1)
    return ReportPeriod("monthly", text, start, end, {
        "m": Window(start, end), "p": Window(before_end.replace(day=1), before_end), "y": _year_to(end)})


def year(kind: str, text: str, end: date | None = None) -> ReportPeriod:
    """The annual summary or the duty report: 1 January to `end` (default 31 December)."""
    if not re.fullmatch(r"\d{4}", str(text)):
        raise ValueError(f"a year is written like 2021, not {text!r}")
    start = date(int(text), 1, 1)
    end = end or date(start.year, 12, 31)
    if end.year != start.year:
        raise ValueError(f"--end {end} is not in {text}")
    label = str(text) if end == date(start.year, 12, 31) else f"{text}_截至{end.isoformat()}"
    return ReportPeriod(kind, label, start, end, {"y": Window(start, end)})


def parse(kind: str, period: str, end: date | None = None) -> ReportPeriod:
    if kind == "weekly":
        return week(period)
    if kind == "monthly":
        return month(period)
    if kind in ("annual", "duty"):
        return year(kind, period, end)
    raise ValueError(f"unknown report type {kind!r}: weekly, monthly, annual or duty")


def previous(kind: str, today: date) -> str:
    """The last complete period before `today`, as a scheduled report names it."""
    if kind == "weekly":
        year, week_no, _ = (today - timedelta(days=7)).isocalendar()
        return f"{year}-W{week_no:02d}"
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"
    if kind in ("annual", "duty"):
        return str(today.year - 1)
    raise ValueError(f"unknown report type {kind!r}: weekly, monthly, annual or duty")


def between(kind: str, first: str, last: str) -> list[str]:
    """Every period of a kind from `first` to `last` inclusive, in order (for backfills)."""
    start, end = parse(kind, first), parse(kind, last)
    if end.start < start.start:
        raise ValueError(f"--from {first} is after --to {last}")
    labels, day = [], start.start
    while day <= end.start:
        current = parse(kind, _label(kind, day))
        labels.append(current.label)
        day = current.end + timedelta(days=1)
    return labels


def _label(kind: str, day: date) -> str:
    if kind == "weekly":
        year, week_no, _ = day.isocalendar()
        return f"{year}-W{week_no:02d}"
    if kind == "monthly":
        return f"{day.year}-{day.month:02d}"
    return str(day.year)
