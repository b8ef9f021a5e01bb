"""The warehouse under the real habits of sources.md: one event once, snapshots, any order of arrival."""

import random
import shutil
from datetime import date

import duckdb
import pytest

from flows.metrics import all_metrics, evidence, metric_values
from flows.pipeline import ingest
from flows.settings import Settings
from workbooks import LEDGER_HEADER, write_xlsx

REGISTER = "组织机构与班子（2022年版）.xlsx"
SAMPLE_FILES = [REGISTER, "机关党支部2022年6月学习台账.xlsx", "党课登记表-2022-06-30-张建国.docx",
                "办公室2022年4月学习活动台账.xlsx", "二支部2022年第1季度活动台账.csv", "问卷星导出_社团活动登记_20221231.csv",
                "学会部-2022.09-办实事清单.xlsx", "网商社科公众号_内容导出_2022-09-30.xlsx", "帮扶慰问与捐赠登记表（样例）.xlsx",
                "智库专报报送台账2022.xlsx", "普及部2022年宣讲活动台账.xls"]
YEAR = (date(2022, 1, 1), date(2022, 12, 31))


def load(settings: Settings, samples, names: list[str]) -> None:
    for name in names:
        shutil.copy(samples / name, settings.inbox / name)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))


def state(settings: Settings) -> tuple:
    """What an analyst would compare: rows per table (minus run bookkeeping) and every metric."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw' and table_type = 'BASE TABLE' order by 1").fetchall()]
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
        for view in ("core.activities", "marts.open_problems", "core.files"):
            counts[view] = con.execute(f"select count(*) from {view}").fetchone()[0]
        live = con.execute("select file_name from core.files where is_live order by 1").fetchall()
        return counts, live, all_metrics(con, *YEAR)
    finally:
        con.close()


def test_the_same_inbox_three_times_in_any_order_of_arrival_gives_the_same_warehouse(prefect, tmp_path, samples):
    outcomes = []
    for attempt, order in enumerate((SAMPLE_FILES, SAMPLE_FILES[::-1], random.Random(7).sample(SAMPLE_FILES, len(SAMPLE_FILES)))):
        settings = Settings.load().under(tmp_path / f"attempt{attempt}")
        settings.inbox.mkdir(parents=True)
        if attempt == 0:
            load(settings, samples, order)  # everything at once
        else:
            for start in range(0, len(order), 4):  # in batches, over several runs
                load(settings, samples, order[start:start + 4])
        load(settings, samples, [])  # and once more with nothing new
        outcomes.append(state(settings))
    assert outcomes[0] == outcomes[1] == outcomes[2]


@pytest.fixture
def warehouse(prefect, settings, samples):
    load(settings, samples, SAMPLE_FILES)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    yield con
    con.close()


def test_an_activity_in_a_ledger_and_a_word_form_counts_once_with_both_places(warehouse):
    (lineage,) = warehouse.execute(
        "select lineage from core.activities where title = '传承红色基因 担当社科使命'").fetchone()
    assert sorted((p["path"], p["sheet"], p["row_number"]) for p in lineage) == [
        ("党课登记表-2022-06-30-张建国.docx", "表格1", 1), ("机关党支部2022年6月学习台账.xlsx", "活动台账", 8)]
    june = metric_values(warehouse, date(2022, 6, 1), date(2022, 6, 30), source="activities")
    assert june["party_lectures"] == 1 and june["leader_party_lectures"] == 1
    assert sorted(evidence(warehouse, date(2022, 6, 1), date(2022, 6, 30), metric_id="party_lectures")["path"]) == [
        "党课登记表-2022-06-30-张建国.docx", "机关党支部2022年6月学习台账.xlsx"]


def test_in_an_online_form_export_the_later_submission_of_an_activity_wins(warehouse):
    rows = warehouse.execute("select participants from core.activities where title like '%义工联第2场%'").fetchall()
    assert rows == [(69,)]  # submitted on 8/22 with 64, corrected on 8/24 with 69
    assert metric_values(warehouse, *YEAR, source="activities")["grassroots_talks"] == 4 + 10  # 义工联 4, 普及部 10


def test_practical_matters_come_from_the_latest_list_as_of_the_period(warehouse):
    september = metric_values(warehouse, date(2022, 9, 1), date(2022, 9, 30), source="matters")
    assert september == {"matters_total": 9, "matters_done": 7, "matters_in_progress": 2, "matters_overdue": 0,
                         "matters_beneficiaries": 120 + 150 + 60 + 200 + 1200 + 800 + 300}
    august = metric_values(warehouse, date(2022, 8, 1), date(2022, 8, 31), source="matters")
    assert august["matters_total"] == 0  # the September list did not exist yet
    year = metric_values(warehouse, *YEAR, source="matters")
    assert year["matters_overdue"] == 2  # due 11-30 and 12-20, still in progress at the year's end


def test_publicity_figures_of_the_sample_export(warehouse, samples):
    import openpyxl

    rows = list(openpyxl.load_workbook(samples / "网商社科公众号_内容导出_2022-09-30.xlsx").active.iter_rows(min_row=4, values_only=True))
    year = metric_values(warehouse, *YEAR, source="publicity")
    assert year["media_pickups"] == sum(1 for r in rows if r[5])
    assert year["epidemic_articles"] == sum(1 for r in rows if r[2] == "疫情防控" and r[3] == "图文")
    assert year["history_reads"] == sum(r[4] for r in rows if r[2] in ("党史天天学", "黄河故道", "黄河文化", "乡村振兴"))
    assert metric_values(warehouse, *YEAR, source="other")["think_tank_issues"] == 4


def export(path, exported_on, reads: dict[str, int]):
    return write_xlsx(path, {"内容数据": [
        ["网商社科公众号内容数据导出"], [f"导出时间：{exported_on}"],
        ["发布时间", "标题", "栏目", "内容类型", "阅读数", "平台"],
        *[["2021-03-0%d 18:30:00" % (n + 1), title, "党史天天学", "图文", value, "网商社科公众号"]
          for n, (title, value) in enumerate(reads.items())],
    ]})


def test_a_later_export_changes_read_counts_but_not_item_counts(prefect, settings):
    write_xlsx(settings.inbox / "组织机构.xlsx", {"组织机构": [["单位名称", "类型"], ["办公室", "机关部室"]]})
    export(settings.inbox / "公众号导出_2021-03-31.xlsx", "2021-03-31", {"党史天天学（1）": 100, "党史天天学（2）": 50})
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    export(settings.inbox / "公众号导出_2021-06-30.xlsx", "2021-06-30", {"党史天天学（1）": 900, "党史天天学（2）": 400})
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    as_of_april = metric_values(con, date(2021, 3, 1), date(2021, 4, 30), source="publicity")
    as_of_july = metric_values(con, date(2021, 3, 1), date(2021, 7, 31), source="publicity")
    assert (as_of_april["history_articles"], as_of_april["history_reads"]) == (2, 150)
    assert (as_of_july["history_articles"], as_of_july["history_reads"]) == (2, 1300)


# (type, title, speaker role, participants, first topic): one ledger, one row per kind of activity
GIVEN_ACTIVITIES = [
    ("集体学习", "学习党史（一）", None, 10, None), ("集体学习", "学习党史（二）", None, 12, None),
    ("专家辅导", "党史专家辅导", None, 20, None), ("中心组学习", "中心组学习（六月）", None, 8, "是"),
    ("中心组学习", "中心组专题学习", None, 9, "否"), ("专题研讨", "专题研讨会", None, 5, None),
    ("专题读书班", "党史读书班", None, 30, None), ("党课", "七一党课", "主席", 15, None),
    ("党课", "支部书记讲党课", "支部书记", 11, None), ("重温入党誓词", "重温入党誓词", None, 14, None),
    ("基层宣讲", "进社区宣讲", None, 40, None), ("党风廉政专题研究", "廉政专题研究", None, 7, None),
    ("支委会", "六月支委会", None, 5, None), ("支部大会", "六月支部大会", None, 25, None),
    ("参观学习", "参观红色教育基地", None, 18, None), ("主题党日", "六月主题党日", None, 16, None),
]


def test_every_activity_metric_from_given_rows(prefect, settings, samples):
    rows = [[n, date(2022, 6, 1 + n), kind, title, "研究室", "王" if role else None, role, people, None, None, first, None]
            for n, (kind, title, role, people, first) in enumerate(GIVEN_ACTIVITIES, start=1)]
    # the same title on another day is another activity
    rows.append([99, date(2022, 6, 30), "集体学习", "学习党史（一）", "研究室", None, None, 10, None, None, None, None])
    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [LEDGER_HEADER, *rows]})
    write_xlsx(settings.inbox / "研究室2022年7月学习台账.xlsx", {"台账": [
        LEDGER_HEADER, [1, date(2022, 7, 1), "集体学习", "七月学习", "研究室", None, None, 9, None, None, None, None]]})
    load(settings, samples, [REGISTER])
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        june = metric_values(con, date(2022, 6, 1), date(2022, 6, 30), source="activities")
        july = metric_values(con, date(2022, 7, 1), date(2022, 7, 31), source="activities")
    finally:
        con.close()
    assert june == {
        "study_sessions": 4,  # 集体学习 ×3 and 专家辅导
        "centre_group_sessions": 2, "first_topic_sessions": 1, "collective_study_sessions": 3, "seminars": 1,
        "reading_classes": 1, "party_lectures": 2, "leader_party_lectures": 1, "oath_renewals": 1,
        "grassroots_talks": 1, "integrity_studies": 1, "branch_committee_meetings": 1,
        "branch_general_meetings": 1, "site_visits": 1, "activities_total": 17,
        "participants_total": sum(g[3] for g in GIVEN_ACTIVITIES) + 10,  # 主题党日 counts only here
    }
    assert july["activities_total"] == 1 and july["participants_total"] == 9 and july["study_sessions"] == 1


def test_an_activity_reported_again_is_one_activity_and_its_own_again_when_the_second_report_is_withdrawn(
        prefect, settings, samples):
    form = "党课登记表-2022-06-30-张建国.docx"
    load(settings, samples, [REGISTER, form])

    def lectures() -> tuple:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            places = con.execute("select list(p.path order by p.path) from core.activities, unnest(lineage) as t(p) "
                                 "where activity_type = '党课' group by activity_id").fetchall()
            june = metric_values(con, date(2022, 6, 1), date(2022, 6, 30), source="activities")
            return places, june["party_lectures"], june["activities_total"]
        finally:
            con.close()

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    unit, held_on, title = con.execute("select unit_name, activity_on, title from core.activities").fetchone()
    con.close()
    ledger = f"{unit}2022年6月学习台账.xlsx"

    def send_ledger(rows: list) -> None:
        write_xlsx(settings.inbox / ledger, {"台账": [LEDGER_HEADER, *[[n, *row] for n, row in enumerate(rows, 1)]]})
        load(settings, samples, [])

    study = [date(2022, 6, 3), "集体学习", "学习党史", unit, None, None, 10, None, None, None, None]
    # the unit's ledger reports the lecture too, its title written with other spacing and punctuation
    send_ledger([[held_on, "党课", f" {title}！", unit, "张建国", None, 20, None, None, None, None], study])
    assert lectures() == ([([form, ledger],)], 1, 2)
    # the ledger sent again without the lecture: the lecture is reported once, by the form
    send_ledger([study])
    assert lectures() == ([([form],)], 1, 2)
