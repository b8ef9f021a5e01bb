"""The tables and charts a template can name with `@table NAME` and `@chart NAME`.

Each is a read of the marts for the report's period and scope. Tables are (header, rows);
charts are PNG bytes drawn with a CJK font so that Chinese labels render, not boxes.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Callable

import duckdb

from flows.periods import ReportPeriod, chinese_date

# the activity metrics a month-on-month table compares, in the order of metrics.md
MONTH_ON_MONTH = ("activities_total", "participants_total", "study_sessions", "centre_group_sessions",
                  "seminars", "party_lectures", "grassroots_talks", "branch_committee_meetings", "site_visits")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "AR PL KaitiM GB", "WenQuanYi Zen Hei")


class FontMissing(RuntimeError):
    """No font that can draw Chinese is installed (the set-up installs fonts-noto-cjk)."""


def tables(con: duckdb.DuckDBPyConnection, period: ReportPeriod, scope: str | None,
           values: dict[str, dict[str, int]], labels: dict[str, str]) -> dict[str, Callable[[], tuple]]:
    """Named tables for a report: each a function giving (header, rows)."""
    main = period.windows[period.main]
    args = [main.start, main.end, scope]
    none = "（本期无活动记录）"

    def by_type():
        rows = con.execute("select activity_type, count_activities, count_participants "
                           "from marts.activities_by_type(?::date, ?::date, scope_name := ?) "
                           "order by count_activities desc, activity_type", args).fetchall()
        return ["活动类型", "次数", "参加人次"], [list(r) for r in rows] or [[none, 0, 0]]

    def by_unit():
        rows = con.execute("select unit_name, count_activities, count_participants "
                           "from marts.activities_by_unit(?::date, ?::date, scope_name := ?) "
                           "order by count_activities desc, unit_name", args).fetchall()
        return ["单位", "活动次数", "参加人次"], [list(r) for r in rows] or [[none, 0, 0]]

    def month_on_month():
        this, last = values["m"], values["p"]
        rows = [[labels[m], this[m], last[m], f"{this[m] - last[m]:+d}"] for m in MONTH_ON_MONTH]
        return ["指标", "本月", "上月", "增减"], rows

    def missing():
        rows = con.execute("select unit_name, unit_type, last_period_end "
                           "from marts.missing_submissions(?::date, ?::date, scope_name := ?) "
                           "order by unit_type, unit_name", args).fetchall()
        return (["单位", "类型", "上次报送截至"],
                [[u, t or "", chinese_date(d, with_year=True) if d else "本年未报送"] for u, t, d in rows]
                or [["（均已报送）", "", ""]])

    def meetings():
        rows = con.execute("select unit_name, activity_type, count(*), count(*) filter (where is_met), "
                           "count(*) filter (where not is_met) "
                           "from marts.meeting_compliance(?::date, ?::date, scope_name := ?) as slots "
                           "join raw.meeting_rules as rules using (activity_type, per) "
                           "group by unit_name, activity_type order by unit_name, min(rules.line)", args).fetchall()
        return ["党支部", "会议", "应开", "已开", "未开"], [list(r) for r in rows] or [["（无应开会议）", "", 0, 0, 0]]

    def submissions():
        rows = con.execute("select unit_name, slot_name, ledger_due_on, arrival_status, received_at "
                           "from marts.submission_status(?::date, ?::date, scope_name := ?) "
                           "where arrival_status <> 'on_time' order by ledger_due_on, unit_name", args).fetchall()

        def situation(status, received_at):
            if status == "late":
                return f"逾期报送（{chinese_date(received_at.date())}收到）"
            return "未报送" + (f"（{chinese_date(received_at.date(), with_year=True)}收到）" if received_at else "")

        return (["单位", "台账所属期", "应报日期", "情况"],
                [[unit, slot, chinese_date(ledger_due_on, with_year=True), situation(status, received_at)]
                 for unit, slot, ledger_due_on, status, received_at in rows]
                or [["（均按时报送）", "", "", ""]])

    def problems():
        rows = con.execute("select unit_name, count(*), count(distinct path) from marts.open_problems "
                           "where unit_name in (select unit_name from core.scope_units(?)) "
                           "group by unit_name order by count(*) desc, unit_name", [scope]).fetchall()
        return ["单位", "问题条数", "涉及文件"], [list(r) for r in rows] or [["（无）", 0, 0]]

    def matters():
        rows = con.execute("select coalesce(unit_name, list_unit), matter, status, "
                           "coalesce(strftime(done_on, '%-m月%-d日'), strftime(due_on, '计划%-m月%-d日'), '') "
                           "from core.latest_matters(?::date, scope_name := ?) order by 1, due_on nulls last, matter",
                           [main.end, scope]).fetchall()
        return ["单位", "事项", "状态", "完成时间"], [list(r) for r in rows] or [["（无）", "", "", ""]]

    return {"by_type": by_type, "by_unit": by_unit, "month_on_month": month_on_month,
            "missing_submissions": missing, "meetings": meetings, "submissions": submissions,
            "problems": problems, "matters": matters}


@cache
def cjk_font() -> str:
    """The path of an installed font that draws Chinese."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if font.name in CJK_FONTS:
            return font.fname
    font_manager.fontManager = font_manager.FontManager()  # fonts installed since the cache was built
    for font in font_manager.fontManager.ttflist:
        if font.name in CJK_FONTS:
            return font.fname
    raise FontMissing("no Chinese font is installed: run scripts/setup.sh (it installs fonts-noto-cjk)")


def _bar_chart(labels: list[str], counts: list[int], ylabel: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    font = font_manager.FontProperties(fname=cjk_font())
    figure, axes = pyplot.subplots(figsize=(6.2, 3.2), dpi=150)
    try:
        bars = axes.bar(range(len(labels)), counts, color="#c0392b")
        axes.set_xticks(range(len(labels)), labels, fontproperties=font, fontsize=8,
                        rotation=30 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
        axes.set_ylabel(ylabel, fontproperties=font)
        axes.bar_label(bars, fontsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def charts(con: duckdb.DuckDBPyConnection, period: ReportPeriod, scope: str | None) -> dict[str, Callable[[], bytes]]:
    """Named charts for a report: each a function giving PNG bytes."""
    main = period.windows[period.main]
    year = period.windows["y"]

    def by_type():
        rows = con.execute("select activity_type, count_activities from marts.activities_by_type(?::date, ?::date, "
                           "scope_name := ?) order by count_activities desc, activity_type",
                           [main.start, main.end, scope]).fetchall()
        return _bar_chart([r[0] for r in rows], [r[1] for r in rows], "次数")

    def by_month():
        rows = con.execute("""
            select m.month, count(a.activity_id)
            from range(1, month(?::date) + 1) as m(month)
            left join core.activities as a
              on month(a.activity_on) = m.month and a.activity_on between ?::date and ?::date
             and core.in_scope(a.unit_name, ?)
            group by m.month order by m.month""", [year.end, year.start, year.end, scope]).fetchall()
        return _bar_chart([f"{m}月" for m, _ in rows], [c for _, c in rows], "活动次数")

    return {"by_type": by_type, "by_month": by_month}
