"""The ingest flow on real files into a real DuckDB warehouse, under a Prefect test server."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.metrics import activity_metrics
from flows.pipeline import ingest, report
from snapshots import tables_of
from workbooks import LEDGER_HEADER, write_xlsx

REGISTER = "组织机构与班子（2022年版）.xlsx"
BRANCH = "机关党支部2022年6月学习台账.xlsx"


@pytest.fixture
def inbox(settings, samples):
    """The register, three ledgers and a file that is not a ledger, in the usual nested layout."""
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    for month, unit, name in (("2022-06", "机关党支部", BRANCH), ("2022-04", "办公室", "办公室2022年4月学习活动台账.xlsx"),
                              ("2022-03", "二支部", "二支部2022年第1季度活动台账.csv")):
        (settings.inbox / month / unit).mkdir(parents=True)
        shutil.copy(samples / name, settings.inbox / month / unit / name)
    (settings.inbox / "活动照片说明.txt").write_text("照片见群文件", encoding="utf-8")
    return settings.inbox


def run(settings):
    return ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))


def snapshot(settings) -> dict:
    """Row counts of every raw table and the year's metrics: what a re-run must not change."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1").fetchall()]
        counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
        counts["core.activities"] = con.execute("select count(*) from core.activities").fetchone()[0]
        return {"counts": counts, "metrics": activity_metrics(con, date(2022, 1, 1), date(2022, 12, 31))}
    finally:
        con.close()


def test_bad_rows_are_quarantined_with_reasons_and_the_rest_of_the_file_loads(prefect, settings, inbox):
    result = run(settings)
    states = dict(zip(result.files["path"], result.files["status"]))
    assert states == {
        REGISTER: "loaded",
        f"2022-06/机关党支部/{BRANCH}": "loaded",
        "2022-04/办公室/办公室2022年4月学习活动台账.xlsx": "loaded",
        "2022-03/二支部/二支部2022年第1季度活动台账.csv": "loaded",
        "活动照片说明.txt": "refused",
    }
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    problems = con.execute("""
        select p.sheet, p.row_number, p.column_letter, p.field, p.rule, p.value, p.reason
        from raw.problems p join raw.files f using (file_id) where f.file_name = ? order by p.row_number
    """, [BRANCH]).fetchall()
    assert problems == [
        ("活动台账", 9, "C", "activity_type", "activity_type_in_vocabulary", "其他",
         "活动类型“其他”不在规定的活动类型中，请从下拉列表选择"),
        ("活动台账", 10, "E", "org_unit", "org_unit_in_register", "财务科",
         "组织单位“财务科”在组织机构名册中找不到，请使用名册中的单位名称或简称"),
        ("活动台账", 12, "B", "activity_on", "activity_date_required", None, "活动日期未填写"),
        ("活动台账", 13, "H", "participants", "participants_at_least_one", "-3", "参加人数应为不小于1的整数，填写的是“-3”"),
    ]
    refused = con.execute("select reason from marts.open_problems where path = '活动照片说明.txt'").fetchall()
    assert refused == [("不支持的文件类型“.txt”（支持 xlsx、xlsm、xls、csv、docx）",)]

    # rows 4–8 of the branch's ledger count; the 合计 and 填表说明 rows are not activities
    loaded = con.execute("""
        select place.row_number, a.activity_type from core.activities a, unnest(a.lineage) as t(place)
        where place.path like '%机关党支部%' order by 1
    """).fetchall()
    assert loaded == [(4, "重温入党誓词"), (5, "支委会"), (6, "集体学习"), (7, "主题党日"), (8, "党课")]
    assert con.execute("select s.row_number, s.reason from raw.skipped_rows s join raw.files using (file_id) "
                       "where file_name = ? order by 1", [BRANCH]).fetchall() == [(11, "blank"), (14, "total"), (15, "note")]

    june = activity_metrics(con, date(2022, 6, 1), date(2022, 6, 30), scope="机关党支部")
    assert {k: v for k, v in june.items() if v} == {
        "oath_renewals": 1, "branch_committee_meetings": 1, "collective_study_sessions": 1, "study_sessions": 1,
        "party_lectures": 1, "leader_party_lectures": 1, "activities_total": 5, "participants_total": 17 + 5 + 13 + 14 + 38,
    }
    year = activity_metrics(con, date(2022, 1, 1), date(2022, 12, 31))
    assert year["centre_group_sessions"] == 2 and year["first_topic_sessions"] == 2
    assert year["collective_study_sessions"] == 1 + 3  # the branch's one valid row and 二支部's three
    assert year["study_sessions"] == 4 + 1             # plus the office's 专家辅导
    con.close()


def test_the_same_inbox_twice_changes_nothing(prefect, settings, inbox):
    run(settings)
    before = snapshot(settings)
    again = run(settings)
    assert again.new_files == 0 and again.files.empty
    assert snapshot(settings) == before


def test_a_copy_is_recorded_as_a_duplicate_and_loads_nothing(prefect, settings, inbox):
    run(settings)
    before = snapshot(settings)
    shutil.copy(inbox / "2022-06" / "机关党支部" / BRANCH, inbox / f"{BRANCH[:-5]} - 副本.xlsx")
    result = run(settings)
    assert result.files[["path", "status"]].values.tolist() == [[f"{BRANCH[:-5]} - 副本.xlsx", "duplicate"]]
    after = snapshot(settings)
    assert after["metrics"] == before["metrics"]
    assert after["counts"]["file_arrivals"] == before["counts"]["file_arrivals"] + 1
    assert {k: v for k, v in after["counts"].items() if k != "file_arrivals"} == \
        {k: v for k, v in before["counts"].items() if k != "file_arrivals"}


def ledger(path, filled_on, rows):
    return write_xlsx(path, {"台账": [
        ["XX市社科联研究室2022年6月学习活动台账"],
        [f"填报单位：研究室\u3000\u3000填报日期：{filled_on}"],
        LEDGER_HEADER,
        *rows,
    ]})


def test_a_corrected_resubmission_replaces_its_predecessor_and_closes_its_problems(prefect, settings, samples):
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    ledger(settings.inbox / "研究室2022年6月学习台账.xlsx", "2022年7月1日", [
        [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12],
        [2, None, "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10],
    ])
    run(settings)
    ledger(settings.inbox / "研究室2022年6月学习台账（修改版）.xlsx", "2022年7月6日", [
        [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12],
        [2, date(2022, 6, 22), "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10],
    ])
    result = run(settings)
    assert result.files[["path", "status"]].values.tolist() == [["研究室2022年6月学习台账（修改版）.xlsx", "loaded"]]

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("select file_name, status from core.files where source = 'activity_ledger' order by 1").fetchall() == [
        ("研究室2022年6月学习台账.xlsx", "superseded"), ("研究室2022年6月学习台账（修改版）.xlsx", "loaded")]
    assert con.execute("select count(*) from marts.open_problems").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.problems").fetchone()[0] == 1  # history is kept
    assert activity_metrics(con, date(2022, 6, 1), date(2022, 6, 30))["seminars"] == 2


def test_a_register_arriving_after_the_ledgers_leaves_the_same_unit_problems_as_one_arriving_first(
        prefect, settings, samples, tmp_path):
    def unit_problems(settings) -> list[tuple]:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            return con.execute("""
                select f.file_name, p.sheet, p.row_number, p.column_letter, p.rule, p.value, p.reason
                from marts.open_problems p join raw.files f using (file_id)
                where p.rule = 'org_unit_in_register' order by all""").fetchall()

    first = settings.under(tmp_path / "register_first")
    for folder in (first.inbox, settings.inbox):
        folder.mkdir(parents=True, exist_ok=True)
    for name in (REGISTER, BRANCH):
        shutil.copy(samples / name, first.inbox / name)
    run(first)

    shutil.copy(samples / BRANCH, settings.inbox / BRANCH)
    run(settings)
    before = unit_problems(settings)  # no register yet: no unit resolves
    assert [(row[2], row[5]) for row in before] == [(4, "机关第一党支部"), (5, "机关第一党支部"), (6, "机关第一党支部"),
                                                   (7, "机关第一党支部"), (8, "机关第一党支部"), (9, "机关第一党支部"),
                                                   (10, "财务科"), (12, "机关第一党支部"), (13, "机关第一党支部")]
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    run(settings)
    assert unit_problems(settings) == unit_problems(first) == [
        (BRANCH, "活动台账", 10, "E", "org_unit_in_register", "财务科",
         "组织单位“财务科”在组织机构名册中找不到，请使用名册中的单位名称或简称")]


def stale_table_models(path) -> dict[str, int]:
    """Each table model of a warehouse file whose rows differ from what its select gives now → rows off."""
    from flows.warehouse import SQL_DIR, build_order, model_kind

    stale = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for model in build_order(SQL_DIR):
            if model_kind(model) == "table":
                name, select = f"{model.parent.name}.{model.stem}", model.read_text(encoding="utf-8")
                off = con.execute(f"select (select count(*) from (from {name} except all ({select}))) + "
                                  f"(select count(*) from (({select}) except all from {name}))").fetchone()[0]
                if off:
                    stale[name] = off
    return stale


def test_the_models_kept_as_tables_follow_every_change_to_their_rows(prefect, settings, samples):
    """Ledgers before their register (their units unknown, then re-checked when it arrives), a
    copy of a loaded file, a corrected resubmission: the tables always hold what their selects
    give, in the warehouse and in the analyst copy."""
    shutil.copy(samples / BRANCH, settings.inbox / BRANCH)
    ledger(settings.inbox / "研究室2022年6月学习台账.xlsx", "2022年7月1日", [
        [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12],
        [2, None, "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10]])
    run(settings)
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    run(settings)  # the register: the units of the ledgers loaded before it are checked again
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from core.units").fetchone()[0] > 0
    assert stale_table_models(settings.warehouse) == {}
    shutil.copy(samples / BRANCH, settings.inbox / f"{BRANCH[:-5]} - 副本.xlsx")
    ledger(settings.inbox / "研究室2022年6月学习台账（修改版）.xlsx", "2022年7月6日", [
        [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12],
        [2, date(2022, 6, 22), "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10]])
    result = run(settings)
    assert sorted(result.files["status"]) == ["duplicate", "loaded"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select status from core.files where file_name like '研究室%台账.xlsx'").fetchone() == (
            "superseded",)
    assert stale_table_models(settings.warehouse) == {}
    assert stale_table_models(result.analyst_copy) == {}


def test_monthly_report_writes_the_months_figures(prefect, settings, inbox):
    run(settings)
    monthly = report("monthly", "2022-06", warehouse=str(settings.warehouse), out=str(settings.reports_out))
    assert monthly.docx.name == "XX市社科联_月报_2022-06.docx" and monthly.docx.exists()
    from docx import Document

    text = [p.text for p in Document(str(monthly.docx)).paragraphs]
    assert text[0] == "XX市社科联2022年6月党建工作进展情况"
    assert "一、本月工作开展情况" in text
    month = next(p for p in text if p.startswith("2022年6月"))
    assert month.startswith("2022年6月，XX市社科联各级党组织共开展各类活动5次，参加87人次。")
    assert "（领导干部讲党课1次）" in month and "专题读书班" not in month  # zero figures are left out
    evidence = monthly.evidence.read_text(encoding="utf-8-sig").splitlines()
    assert sum(line.startswith("activities_total,2022-06-01,2022-06-30,全部,5,5次,") for line in evidence) == 5


def test_problems_carry_first_seen_and_closed_dates(prefect, settings, samples):
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    ledger(settings.inbox / "研究室2022年6月学习台账.xlsx", "2022年7月1日",
           [[1, None, "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10]])
    run(settings)
    ledger(settings.inbox / "研究室2022年6月学习台账（修改版）.xlsx", "2022年7月6日",
           [[1, date(2022, 6, 22), "专题研讨", "研讨交流（第2次）", "研究室", None, None, 10]])
    run(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    first_seen, closed, is_open = con.execute("select first_seen_at, closed_at, is_open from marts.problems").fetchone()
    replacement = con.execute("select ingested_at from raw.files where file_name like '%修改版%'").fetchone()[0]
    assert first_seen < closed == replacement and not is_open


def test_problems_command_lists_them_and_writes_receipts_with_the_bad_cells_marked(prefect, settings, inbox, capsys):
    import json

    import openpyxl

    from flows.cli import main

    run(settings)
    where = ["--warehouse", str(settings.warehouse), "--inbox", str(settings.inbox)]
    assert main([*where, "problems", "--unit", "一支部", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["row_number"], p["column_letter"], p["rule"]) for p in listed] == [
        (9, "C", "activity_type_in_vocabulary"), (10, "E", "org_unit_in_register"),
        (12, "B", "activity_date_required"), (13, "H", "participants_at_least_one")]
    assert {p["unit_name"] for p in listed} == {"机关第一党支部"}

    assert main([*where, "problems"]) == 0
    table = capsys.readouterr().out
    assert "机关第一党支部\t2022-06/机关党支部/机关党支部2022年6月学习台账.xlsx\t活动台账 第12行 B列\t活动日期未填写" in table
    assert "共 5 个问题，涉及 2 个单位" in table  # the four rows and the refused .txt

    out = settings.reports_out / "receipts"
    assert main([*where, "problems", "--format", "xlsx", "--out", str(out)]) == 0
    receipt = openpyxl.load_workbook(out / "错误回执_机关第一党支部.xlsx")
    assert receipt.sheetnames == ["0-问题清单", "1-活动台账"]
    assert receipt["0-问题清单"].max_row == 5
    sheet = receipt["1-活动台账"]
    assert [c.value for c in sheet[3]][:5] == ["序号", "活动日期", "活动类型", "活动名称", "组织单位"]  # the original rows
    assert sheet["C9"].value == "其他" and sheet["C9"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["D9"].fill.fgColor.rgb in ("00000000", None)  # good cells stay plain
    assert sheet["M9"].value == "活动类型“其他”不在规定的活动类型中，请从下拉列表选择"
    assert sheet["M4"].value is None
    assert sheet["H13"].value == "-3" and sheet["H13"].data_type == "s"  # looks like a formula: kept as text
    assert sheet["A14"].value == "合计" and sheet["A15"].value.startswith("填表说明")


def test_formula_like_text_in_a_receipt_stays_text(prefect, settings, samples):
    import openpyxl

    from flows.problems import open_problems, write_receipts

    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER,
        [1, date(2022, 6, 8), "其他", "=HYPERLINK(\"http://x\",\"点我\")", "研究室", "+861234", "@领导", 5],
    ]})
    run(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    (path,) = write_receipts(open_problems(con), settings.inbox, settings.reports_out)
    row = [c for c in openpyxl.load_workbook(path)["1-台账"][2]]
    assert [(c.value, c.data_type) for c in row[3:7]] == [
        ("=HYPERLINK(\"http://x\",\"点我\")", "s"), ("研究室", "s"), ("+861234", "s"), ("@领导", "s")]


def test_each_ingest_publishes_a_summary_artifact(prefect, settings, inbox):
    import json

    from prefect.artifacts import Artifact

    run(settings)
    artifact = Artifact.get("ingest-summary")
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    by_unit = {row["单位"]: row for row in table}
    assert by_unit["机关第一党支部"] == {"单位": "机关第一党支部", "文件": 1, "入库行数": 5, "暂存待改行数": 4, "退回文件": 0}
    assert by_unit["（未知单位）"]["退回文件"] == 1
    assert "refused 1 个" in artifact.description
    validations = list((settings.data_docs / "validations" / "activities").rglob("*.html"))
    assert (settings.data_docs / "index.html").exists() and validations


def test_analysts_read_a_published_copy_with_personal_data_masked_and_never_block_a_load(prefect, settings, inbox):
    from flows.warehouse import analyst_path

    write_xlsx(settings.inbox / "机关第一党支部2022年党员发展台账.xlsx", {"党员发展": [
        ["姓名", "支部", "确定日期", "阶段", "联系电话"], ["李明", "一支部", date(2022, 6, 10), "入党积极分子", "13800001234"]]})
    result = run(settings)
    assert result.analyst_copy == analyst_path(settings.warehouse) and result.analyst_copy.exists()
    analyst = duckdb.connect(str(result.analyst_copy), read_only=True)  # an analyst keeps this open
    assert analyst.execute("select person_name, phone from core.party_development").fetchall() == [("李*", "138****1234")]
    everything = analyst.execute("select string_agg(t::varchar, ' ') from raw.development_rows t").fetchone()[0]
    assert "13800001234" not in everything and "李明" not in everything
    comment = analyst.execute("""select comment from duckdb_columns()
                                 where table_name = 'activities' and column_name = 'participants'""").fetchone()[0]
    assert comment == "参加人数 / number of participants"  # the dictionary travels with the copy
    before = analyst.execute("select count(*) from core.activities").fetchone()[0]

    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER, [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12]]})
    again = run(settings)  # loads while the analyst's connection is open
    assert again.files["status"].tolist() == ["loaded"]
    assert analyst.execute("select count(*) from core.activities").fetchone()[0] == before  # the old snapshot
    analyst.close()  # DuckDB shares one instance per path within a process: reconnect to see the new copy
    fresh = duckdb.connect(str(again.analyst_copy), read_only=True)
    assert fresh.execute("select count(*) from core.activities").fetchone()[0] == before + 1
    live = duckdb.connect(str(settings.warehouse), read_only=True)
    assert live.execute("select person_name from raw.development_rows").fetchall() == [("李明",)]


def test_a_load_republishes_only_its_own_files_and_the_copy_equals_one_written_afresh(prefect, settings, inbox, tmp_path):
    from dataclasses import replace

    from flows.publish import publish_analyst_copy

    # DuckDB names the database after the file: a keyword, a hyphen, a space, a quote, Chinese
    settings = replace(settings, warehouse=settings.warehouse.with_name("full-2021 台账's.duckdb"))
    run(settings)  # the first publication writes the whole copy
    write_xlsx(settings.inbox / "机关第一党支部2022年党员发展台账.xlsx", {"党员发展": [
        ["姓名", "支部", "确定日期", "阶段", "联系电话", "备注"],
        ["李明", "一支部", date(2022, 6, 10), "入党积极分子", "13800001234", "身份证 110101199003071234"]]})
    shutil.copy(settings.inbox / REGISTER, settings.inbox / "组织机构与班子-副本.xlsx")
    again = run(settings)  # a new file and a copy of a loaded one: only their rows are written
    assert sorted(again.files["status"]) == ["duplicate", "loaded"]

    with duckdb.connect(str(settings.warehouse)) as con:  # the same warehouse, published afresh elsewhere
        afresh = publish_analyst_copy(con, tmp_path / "afresh.duckdb")  # no copy there yet: all of it
    incremental = tables_of(again.analyst_copy)
    assert incremental == tables_of(afresh)
    text = " ".join(str(v) for rows in incremental.values() for row in rows for v in row)
    assert "李明" not in text and "13800001234" not in text and "110101199003071234" not in text


def test_the_next_ingest_process_brings_the_analyst_copy_up_to_date_by_file(prefect, settings, inbox):
    """Every ingest is a process of its own and must find the copy built as the warehouse is, or
    it writes the whole copy afresh (a million rows for one new file): DuckDB prints a view's
    `exclude (a, b)` in an order that flips each time a process writes the file."""
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    from flows.warehouse import analyst_path

    run(settings)
    copy = analyst_path(settings.warehouse)
    built_as = copy.with_name(copy.name + ".schema")  # what the copy was built as, when published
    recorded = built_as.read_text()
    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER, [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12]]})
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TAIZHANG_SETTLE_SECONDS": "0",
           "TAIZHANG_REPORTS": str(settings.reports_out)}
    done = subprocess.run([str(Path(sys.executable).with_name("taizhang")), "--warehouse", str(settings.warehouse),
                           "ingest", "--inbox", str(settings.inbox)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loaded     研究室2022年6月学习台账.xlsx" in done.stdout
    assert built_as.read_text() == recorded  # the same build: only the new file's rows were written


def flow_runs() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return len(client.read_flow_runs(limit=200))


def test_ingest_with_nothing_new_answers_without_a_flow_run_unless_the_last_run_stopped_half_way(
        prefect, settings, inbox, capsys, monkeypatch):
    import os
    import subprocess
    import sys

    from flows.cli import main

    monkeypatch.setenv("TAIZHANG_REPORTS", str(settings.reports_out))
    command = ["--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox)]
    assert main(command) == 0
    assert "loaded" in capsys.readouterr().out
    runs = flow_runs()

    assert main(command) == 0  # nothing new: a plain read says so
    out = capsys.readouterr().out
    assert "没有新文件" in out and f"problems:  {settings.reports_out / 'problems.csv'}" in out
    assert flow_runs() == runs
    # and reads only what it needs: neither pandas, Arrow nor the report package is imported
    probe = ("import sys; from flows.cli import main; code = main(sys.argv[1:]); "
             "print(code, sorted(m for m in ('pandas', 'pyarrow', 'flows.report', 'flows.extract') if m in sys.modules))")
    alone = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True,
                           env={**os.environ, "TAIZHANG_REPORTS": str(settings.reports_out)})
    assert alone.stdout.strip().splitlines()[-1] == "0 []", alone.stdout[-2000:] + alone.stderr[-2000:]
    assert "没有新文件" in alone.stdout

    (settings.reports_out / "problems.csv").unlink()  # as if the last run had stopped before its end
    assert main(command) == 0
    assert "没有新文件" in capsys.readouterr().out and (settings.reports_out / "problems.csv").exists()
    assert flow_runs() == runs + 1  # the flow ran, and wrote what was missing

    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER, [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, 12]]})
    assert main(command) == 0
    assert "loaded     研究室2022年6月学习台账.xlsx" in capsys.readouterr().out
    assert flow_runs() == runs + 2
