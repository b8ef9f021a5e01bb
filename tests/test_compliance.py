"""What should have happened: 三会一课 slots and the submission calendar, on a small year with planted gaps.

The year 2021, four units: 一支部 (the worked example of the issue: 32 slots, 29 held), 二支部
(no 支委会 in August, no 支部大会 in the second quarter, its September ledger late), 新支部
(founded on 15 June: owes nothing before July) and 办公室 (a department: no meetings owed, its
October ledger never sent). Ledgers arrive on the 3rd of the next month unless planted otherwise.
"""

from __future__ import annotations

import os
from datetime import date, datetime

import duckdb
import pytest
from docx import Document

from flows.demo import write_register
from flows.metrics import all_metrics, evidence
from flows.pipeline import ingest, report
from flows.rules import RulesError, load_rules
from flows.settings import Settings
from workbooks import LEDGER_HEADER, write_xlsx

YEAR = 2021
UNITS = [  # name, aliases, type, parent, established, members
    ("办公室", None, "机关部室", None, None, None),
    ("一支部", None, "党支部", None, date(2015, 3, 1), 10),
    ("二支部", None, "党支部", None, date(2016, 5, 10), 8),
    ("新支部", None, "党支部", None, date(2021, 6, 15), 5),
]
MONTHS = range(1, 13)


def meetings(unit: str) -> dict[int, list[str]]:
    """Month → the meeting types the unit held that month."""
    held = {m: [] for m in MONTHS}
    if unit == "一支部":  # the worked example
        for m in MONTHS:
            held[m] += ["支委会", "主题党日"]
        for m in (3, 7):
            held[m].append("支部大会")
        for m in (3, 5, 6, 12):
            held[m].append("党课")
    elif unit == "二支部":
        for m in MONTHS:
            held[m] += (["支委会"] if m != 8 else []) + ["主题党日"]
        for m in (2, 8, 11):  # none in the second quarter
            held[m].append("支部大会")
        for m in (1, 4, 7, 10):
            held[m].append("党课")
    elif unit == "新支部":
        for m in range(7, 13):
            held[m] += ["支委会", "主题党日"]
        for m in (8, 11):
            held[m] += ["支部大会", "党课"]
    else:
        for m in MONTHS:
            held[m].append("集体学习")
    return held


def arrival(unit: str, month: int) -> date | None:
    """When the unit's ledger for the month reached the inbox (None: never sent)."""
    if unit == "办公室" and month == 10:
        return None
    if unit == "二支部" and month == 9:
        return date(YEAR, 10, 12)  # due 5 October
    if unit == "新支部" and month < 7:
        return None
    return date(YEAR + month // 12, month % 12 + 1, 3)


def write_year(inbox) -> None:
    register = inbox / f"组织机构与班子（{YEAR}年版）.xlsx"
    write_register(register, UNITS)
    os.utime(register, (datetime(YEAR, 1, 4).timestamp(),) * 2)
    for unit, *_ in UNITS:
        for month, kinds in meetings(unit).items():
            sent = arrival(unit, month)
            if sent is None:
                continue
            rows = [[n, date(YEAR, month, 5 + 3 * n), kind, f"{unit}{month}月{kind}", unit,
                     "张书记" if kind == "党课" else None, "支部书记" if kind == "党课" else None, 6]
                    for n, kind in enumerate(kinds, start=1)]
            path = write_xlsx(inbox / f"{unit}{YEAR}年{month}月学习活动台账.xlsx", {"台账": [
                [f"{unit}{YEAR}年{month}月学习活动台账"], [f"填报单位：{unit}"], LEDGER_HEADER, *rows]})
            stamp = datetime(sent.year, sent.month, sent.day, 9).timestamp()
            os.utime(path, (stamp, stamp))  # an old file loaded late: its modification time is its arrival


@pytest.fixture(scope="module")
def year(prefect, tmp_path_factory):
    settings = Settings.load().under(tmp_path_factory.mktemp("compliance"))
    settings.inbox.mkdir(parents=True)
    write_year(settings.inbox)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    return settings


@pytest.fixture
def con(year):
    con = duckdb.connect(str(year.warehouse), read_only=True)
    yield con
    con.close()


def slots(con, unit: str, start="2021-01-01", end="2021-12-31") -> list[tuple]:
    return con.execute("select activity_type, slot_start::varchar, meetings from marts.meeting_compliance("
                       "?::date, ?::date) where unit_name = ? order by slot_start, activity_type",
                       [start, end, unit]).fetchall()


def test_the_worked_example_owes_32_slots_holds_29_and_misses_3(con):
    rows = slots(con, "一支部")
    assert len(rows) == 32
    assert sum(1 for *_, n in rows if n > 0) == 29
    assert [(t, s) for t, s, n in rows if n == 0] == [
        ("支部大会", "2021-04-01"), ("党课", "2021-07-01"), ("支部大会", "2021-10-01")]
    assert ("支委会", "2021-08-01", 1) in rows and ("支部大会", "2021-07-01", 1) in rows


def test_a_missed_month_and_quarter_are_the_only_gaps_of_the_second_branch(con):
    rows = slots(con, "二支部")
    assert [(t, s) for t, s, n in rows if n == 0] == [("支部大会", "2021-04-01"), ("支委会", "2021-08-01")]
    ids = con.execute("select activity_ids from marts.meeting_compliance(date '2021-01-01', date '2021-12-31') "
                      "where unit_name = '二支部' and activity_type = '支部大会' and slot_start = date '2021-07-01'"
                      ).fetchone()[0]
    title = con.execute("select title from core.activities where activity_id = ?", [ids[0]]).fetchone()[0]
    assert (len(ids), title) == (1, "二支部8月支部大会")


def test_a_branch_founded_mid_year_owes_slots_only_from_the_next_one(con):
    rows = slots(con, "新支部")
    assert rows[0][1] == "2021-07-01"
    assert len(rows) == 6 * 2 + 2 * 2 and all(n > 0 for *_, n in rows)
    assert slots(con, "办公室") == []  # a department owes no branch meetings


def test_submissions_are_on_time_late_or_missing_by_the_calendar(con):
    rows = con.execute("select unit_name, slot_name, ledger_due_on::varchar, arrival_status "
                       "from marts.submission_status(date '2021-01-01', date '2021-12-31') "
                       "where arrival_status <> 'on_time' order by ledger_due_on, unit_name").fetchall()
    # due within 2021: the ledgers of December 2020 (nobody sent one) to November 2021
    assert rows == [
        ("一支部", "2020年12月", "2021-01-05", "missing"),
        ("二支部", "2020年12月", "2021-01-05", "missing"),
        ("办公室", "2020年12月", "2021-01-05", "missing"),
        ("二支部", "2021年9月", "2021-10-05", "late"),
        ("办公室", "2021年10月", "2021-11-05", "missing"),
    ]


def test_the_metrics_count_slots_and_ledgers_exactly(con):
    values = all_metrics(con, date(2021, 1, 1), date(2021, 12, 31))
    assert {k: values[k] for k in ("meetings_required", "meetings_held", "meetings_missed")} == {
        "meetings_required": 32 + 32 + 16, "meetings_held": 29 + 30 + 16, "meetings_missed": 5}
    assert {k: values[k] for k in ("submissions_due", "submissions_on_time", "submissions_late",
                                   "submissions_missing")} == {
        "submissions_due": 3 * 12 + 5, "submissions_on_time": 3 * 12 + 5 - 5, "submissions_late": 1,
        "submissions_missing": 4}
    august = all_metrics(con, date(2021, 8, 1), date(2021, 8, 31))  # the month and its quarter
    # 二支部's August 支委会 and 一支部's third-quarter 党课
    assert (august["meetings_required"], august["meetings_missed"]) == (3 * 4, 2)
    assert all_metrics(con, date(2021, 8, 1), date(2021, 8, 31), "二支部")["meetings_missed"] == 1


def test_evidence_of_a_held_slot_is_the_ledger_row_of_its_meeting(con):
    rows = evidence(con, date(2021, 8, 1), date(2021, 8, 31), "二支部", "meetings_held")
    assert sorted((r["path"], r["row_number"]) for r in rows.to_dict("records")) == [
        ("二支部2021年7月学习活动台账.xlsx", 6),  # 党课 of the third quarter
        ("二支部2021年8月学习活动台账.xlsx", 4), ("二支部2021年8月学习活动台账.xlsx", 5)]  # 主题党日, 支部大会
    late = evidence(con, date(2021, 1, 1), date(2021, 12, 31), None, "submissions_late")
    assert late["path"].tolist() == ["二支部2021年9月学习活动台账.xlsx"]


def test_the_monthly_report_shows_the_compliance_table_and_the_late_ledger(year):
    built = report("monthly", "2021-10", warehouse=str(year.warehouse), out=str(year.reports_out))
    document = Document(built.docx)
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    meetings = [[c.text for c in row.cells] for row in tables["党支部", "会议", "应开", "已开", "未开"].rows]
    assert ["二支部", "支部大会", "1", "1", "0"] in meetings  # the fourth quarter: held in November
    assert ["一支部", "支部大会", "1", "0", "1"] in meetings
    ledgers = [[c.text for c in row.cells] for row in tables["单位", "台账所属期", "应报日期", "情况"].rows]
    assert ["二支部", "2021年9月", "2021年10月5日", "逾期报送（10月12日收到）"] in ledgers
    text = "\n".join(p.text for p in document.paragraphs)
    assert "“三会一课”落实情况" in text


def test_the_annual_report_says_how_many_meetings_were_held_and_names_the_gaps(year):
    built = report("annual", "2021", warehouse=str(year.warehouse), out=str(year.reports_out))
    text = "\n".join(p.text for p in Document(built.docx).paragraphs)
    assert "全年各党支部应召开支委会30次，实际召开29次，应召开主题党日30次，实际召开30次" in text
    assert "一支部（3次）、二支部（2次）存在应开未开的情况" in text


def test_a_mistake_in_the_rules_file_names_its_line(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("meetings:\n  - {unit_type: 党支部, activity_type: 支委会, at_least: 1, per: month}\n"
                     "  - {unit_type: 党支部, activity_type: 支委会议, at_least: 1, per: month}\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"rules.yaml, line 3: `activity_type: 支委会议` is not one of"):
        load_rules(rules)
    rules.write_text("meetings:\n  - {unit_type: 党支部, per: [month\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"line \d+: not valid YAML"):
        load_rules(rules)
    meetings_, submissions = load_rules(Settings.load().rules)  # the file as shipped
    assert [(r.activity_type, r.per) for r in meetings_] == [
        ("支委会", "month"), ("主题党日", "month"), ("支部大会", "quarter"), ("党课", "quarter")]
    assert [(r.unit_type, r.due_day) for r in submissions] == [("机关部室", 5), ("党支部", 5)]



def test_an_edited_rules_file_reaches_the_warehouse_and_the_analyst_copy_at_the_next_ingest(
        prefect, settings, tmp_path, monkeypatch, capsys):
    from flows.cli import main

    write_register(settings.inbox / "组织机构与班子（2021年版）.xlsx", UNITS)
    monkeypatch.setenv("TAIZHANG_REPORTS", str(settings.reports_out))
    command = ["--warehouse", str(settings.warehouse), "--inbox", str(settings.inbox), "ingest"]
    assert main(command) == 0
    rules = tmp_path / "rules.yaml"
    shipped = Settings.load().rules.read_text(encoding="utf-8")
    rules.write_text(shipped.replace("# - {unit_type: 党支部, activity_type: 党小组会", "- {unit_type: 党支部, activity_type: 党小组会"),
                     encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_RULES", str(rules))
    assert main(command) == 0  # nothing new in the inbox, but the rules changed
    capsys.readouterr()
    analyst = settings.warehouse.with_name("taizhang_analyst.duckdb")
    for path in (settings.warehouse, analyst):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("select activity_type from raw.meeting_rules order by line").fetchall()[-1] == ("党小组会",)
            year = con.execute("select count(*) from marts.meeting_compliance(date '2021-01-01', date '2021-12-31') "
                               "where activity_type = '党小组会'").fetchone()[0]
            assert year == 12 + 12 + 6  # 一支部, 二支部, and 新支部 from July

    rules.write_text("meetings:\n  - {unit_type: 支部, activity_type: 支委会, at_least: 1, per: month}\n", encoding="utf-8")
    assert main(command) == 2
    assert capsys.readouterr().err.strip() == (f"{rules}, line 2: `unit_type: 支部` is not one of 党总支, 党支部, 机关部室, 直属学会")


def test_remind_dry_run_names_each_unit_that_owes_the_month_and_its_contact(year, tmp_path, monkeypatch, capsys):
    from flows.cli import main

    recipients = tmp_path / "recipients.yaml"
    recipients.write_text("units:\n  办公室: {name: 郑丽, email: zhengli@example.org}\n"
                          "  一支部: {dingtalk: \"https://oapi.dingtalk.com/robot/send?access_token=env:T\", "
                          "secret: \"env:S\"}\n", encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_RECIPIENTS", str(recipients))
    where = ["--warehouse", str(year.warehouse)]
    assert main([*where, "remind", "--month", "2021-10", "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "办公室 → 郑丽（email zhengli@example.org）\n"
        "  【台账催报】办公室：2021年10月活动台账尚未收到，请于2021年11月5日前报送（已报送的请忽略）。\n")
    assert main([*where, "remind", "--month", "2021-09", "--dry-run"]) == 0  # 二支部's came late, but came
    assert "无需催报" in capsys.readouterr().out

    recipients.write_text("units:\n  办公室: {email: zhengli@example.org}\n  财务科: {email: a@example.org}\n",
                          encoding="utf-8")
    assert main([*where, "remind", "--month", "2021-10", "--dry-run"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{recipients}, line 3: unit “财务科” is not in the register: use its name as the register writes it")
