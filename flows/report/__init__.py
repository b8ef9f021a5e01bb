"""Reports: metrics → sentences (templates) → an official .docx, with its evidence beside it."""

from __future__ import annotations

import calendar
import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from flows.metrics import activity_metrics, measures, resolve_scope
from flows.report.document import OfficialDocument
from flows.report.template import Figure, Window, render
from flows.settings import Settings


@dataclass
class Report:
    docx: Path
    evidence: Path
    figures: list[Figure]


def parse_month(month: str) -> tuple[date, date]:
    """'2021-03' → (2021-03-01, 2021-03-31)."""
    try:
        year, number = (int(part) for part in month.split("-"))
        return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    except ValueError as error:
        raise ValueError(f"month must look like 2021-03, not {month!r}") from error


def _month_tables(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None):
    def by_type():
        rows = con.execute(
            "select activity_type, count_activities, count_participants "
            "from marts.activities_by_type(?::date, ?::date, scope_name := ?) order by count_activities desc, activity_type",
            [start, end, scope]).fetchall()
        return ["活动类型", "次数", "参加人次"], [list(r) for r in rows] or [["（本月无活动记录）", 0, 0]]

    def by_unit():
        rows = con.execute(
            "select unit_name, count_activities, count_participants "
            "from marts.activities_by_unit(?::date, ?::date, scope_name := ?) order by count_activities desc, unit_name",
            [start, end, scope]).fetchall()
        return ["单位", "活动次数", "参加人次"], [list(r) for r in rows] or [["（本月无活动记录）", 0, 0]]

    def problems():
        rows = con.execute(
            "select unit_name, count(*), count(distinct path) from marts.open_problems "
            "group by unit_name order by count(*) desc, unit_name").fetchall()
        return ["单位", "问题条数", "涉及文件"], [list(r) for r in rows] or [["（无）", 0, 0]]

    return {"by_type": by_type, "by_unit": by_unit, "problems": problems}


def build_monthly(con: duckdb.DuckDBPyConnection, settings: Settings, month: str, scope: str | None = None) -> Report:
    """Write the monthly progress report (.docx) and its evidence (.csv) for a month."""
    start, end = parse_month(month)
    scope_name = resolve_scope(con, scope)
    windows = {
        "m": Window(start, end, activity_metrics(con, start, end, scope_name)),
        "y": Window(date(start.year, 1, 1), end, activity_metrics(con, date(start.year, 1, 1), end, scope_name)),
    }
    org = scope_name or settings.org_name
    words = {"org": org, "year": str(start.year), "month": str(start.month), "end": f"{end.month}月{end.day}日"}
    template = (settings.templates_dir / "monthly.md").read_text(encoding="utf-8")
    rendered = render(template, windows, words, measures(con), _month_tables(con, start, end, scope_name),
                      scope_name or "全部")

    document = OfficialDocument()
    for kind, *parts in rendered.blocks:
        if kind == "title":
            document.title(parts[0])
        elif kind == "heading":
            document.heading(parts[0], parts[1])
        elif kind == "paragraph":
            document.paragraph(parts[0])
        else:
            header, rows, caption = parts
            document.table(header, rows, caption)
    stem = f"{org}_月报_{month}"
    docx = document.save(settings.reports_out / f"{stem}.docx")
    evidence = settings.reports_out / f"{stem}_evidence.csv"
    with open(evidence, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["metric_id", "period_start", "period_end", "scope", "value", "written_as"])
        for f in rendered.figures:
            writer.writerow([f.metric_id, f.period_start, f.period_end, f.scope, f.value, f.text])
    return Report(docx, evidence, rendered.figures)
