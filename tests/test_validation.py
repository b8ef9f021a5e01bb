"""Each validation rule rejects its bad row, with the right place and reason; the good row passes."""

from datetime import date

import pandas as pd
import pytest

from flows.extract import extract_file, to_frame
from flows.contracts import CONTRACTS
from flows.settings import Settings
from flows.validate import validate_records
from workbooks import LEDGER_HEADER, write_xlsx

UNITS = ["办公室", "社科联办公室", "研究室", "机关第一党支部", "机关党支部", "市义工联", "义工联"]
TODAY = date(2026, 11, 22)
GOOD = [1, date(2021, 3, 5), "集体学习", "集体学习（第1次）", "办公室", None, None, 12, None, "线下", None, None]


def problems_of(path):
    """What validation says of a file's rows: (row, column, rule, reason)."""
    read = extract_file(path)
    assert read.refusal is None, read.refusal
    found = [validate_records(to_frame(read.tables[c.table]), c, Settings.load().expectations_dir,
                              {read.file_id: read}, {"unit_names": UNITS}, TODAY)
             for c in CONTRACTS if c.table in read.tables]
    frame = pd.concat(found, ignore_index=True)
    return [(r.row_number, r.column_letter, r.rule, r.reason) for r in frame.itertuples()]


def ledger(tmp_path, bad, name="办公室2021年3月学习台账.xlsx"):
    return write_xlsx(tmp_path / name, {"台账": [LEDGER_HEADER, GOOD, bad]})


def bad_row(**changes):
    row = list(GOOD)
    row[0] = 2
    row[3] = "集体学习（第2次）"
    for letter, value in changes.items():
        row[ord(letter) - 65] = value
    return row


@pytest.mark.parametrize("changes, column, rule, reason", [
    ({"B": None}, "B", "activity_date_required", "活动日期未填写"),
    ({"B": "下周三"}, "B", "activity_on_readable", "活动日期“下周三”无法识别为日期"),
    ({"C": None}, "C", "activity_type_required", "活动类型未填写"),
    ({"C": "其他"}, "C", "activity_type_in_vocabulary", "活动类型“其他”不在规定的活动类型中，请从下拉列表选择"),
    ({"D": None}, "D", "title_required", "活动名称未填写"),
    ({"E": None}, "E", "org_unit_required", "组织单位未填写（表头的“填报单位”也没有）"),
    ({"E": "财务科"}, "E", "org_unit_in_register", "组织单位“财务科”在组织机构名册中找不到，请使用名册中的单位名称或简称"),
    ({"H": "若干"}, "H", "participants_readable", "参加人数“若干”无法识别为整数"),
    ({"H": 0}, "H", "participants_at_least_one", "参加人数应为不小于1的整数，填写的是“0”"),
    ({"J": "电话"}, "J", "mode_in_vocabulary", "活动形式“电话”应为 线上、线下 或 线上线下结合"),
    ({"K": "是"}, "K", "first_topic_only_for_centre_group", "“是否第一议题”只适用于中心组学习，本行活动类型为“集体学习”"),
    ({"B": date(2021, 1, 10)}, "B", "activity_on_in_period", "活动日期“2021-01-10”不在本次填报的期间（2021-03）内，请核对日期或所属月份"),
    ({"B": "2021年4月20日"}, "B", "activity_on_in_period", "活动日期“2021年4月20日”不在本次填报的期间（2021-03）内，请核对日期或所属月份"),
    ({"D": " 集体学习（第1次）"}, "D", "no_duplicate_rows", "与本表第2行重复（活动日期、类型、名称和单位相同），请删除重复的一行"),
])
def test_each_activity_rule_rejects_its_row_and_only_its_row(tmp_path, changes, column, rule, reason):
    assert problems_of(ledger(tmp_path, bad_row(**changes))) == [(3, column, rule, reason)]


def test_dates_a_few_days_outside_the_period_are_tolerated(tmp_path):
    assert problems_of(ledger(tmp_path, bad_row(B=date(2021, 4, 6)))) == []
    assert problems_of(ledger(tmp_path, bad_row(B=date(2021, 2, 23)))) == []


def test_dates_in_the_future_are_rejected(tmp_path):
    this_month = [1, date(2026, 11, 5), "集体学习", "集体学习（第1次）", "办公室", None, None, 12]
    ahead = [2, "2026年11月28日", "集体学习", "集体学习（第2次）", "办公室", None, None, 12]
    path = write_xlsx(tmp_path / "办公室2026年11月学习台账.xlsx", {"台账": [LEDGER_HEADER, this_month, ahead]})
    assert problems_of(path) == [(3, "B", "activity_on_not_in_future", "活动日期“2026年11月28日”晚于今天，请核对")]


def test_first_topic_on_centre_group_study_is_fine(tmp_path):
    assert problems_of(ledger(tmp_path, bad_row(C="中心组学习", K="是"))) == []


def test_a_repeated_online_submission_is_not_a_duplicate(samples):
    assert [p for p in problems_of(samples / "问卷星导出_社团活动登记_20221231.csv") if p[2] == "no_duplicate_rows"] == []


MATTERS = ["事项名称", "类别", "责任部门", "责任人", "计划完成时间", "完成情况", "完成时间", "受益人数"]


@pytest.mark.parametrize("row, column, rule, reason", [
    (["开通援助热线", None, "办公室", None, "2021-08-15", "已完成", None, 80], "G", "done_needs_done_on",
     "完成情况为“已完成”，但未填写完成时间"),
    (["开通援助热线", None, "办公室", None, "2021-08-15", "搁置", None, None], "F", "status_in_vocabulary",
     "完成情况“搁置”应为 已完成、推进中、未启动 之一"),
    (["开通援助热线", None, "后勤科", None, "2021-08-15", "推进中", None, None], "C", "org_unit_in_register",
     "责任部门“后勤科”在组织机构名册中找不到，请使用名册中的单位名称或简称"),
])
def test_practical_matter_rules(tmp_path, row, column, rule, reason):
    path = write_xlsx(tmp_path / "办公室-2021.09-办实事清单.xlsx", {"清单": [
        MATTERS, ["课题结项评审", None, "办公室", None, "2021-04-30", "已完成", "2021-04-26", 120], row]})
    assert problems_of(path) == [(3, column, rule, reason)]


AID = ["日期", "类型", "对象", "户数", "金额（元）", "物资名称", "数量", "单位", "物资价值（元）", "组织单位", "地点", "场景"]


@pytest.mark.parametrize("row, column, rule, reason", [
    ([date(2021, 7, 25), "捐款", "受灾群众", None, "-100", None, None, None, None, "办公室", None, "抗洪救灾"], "E",
     "amount_yuan_at_least_0", "金额应不小于0，填写的是“-100”"),
    ([date(2021, 7, 25), "慰问金", "受灾群众", None, "100", None, None, None, None, "办公室", None, "抗洪救灾"], "B",
     "kind_in_vocabulary", "类型“慰问金”应为 走访慰问、捐款、捐物、志愿服务、心理援助 之一"),
])
def test_aid_rules(tmp_path, row, column, rule, reason):
    path = write_xlsx(tmp_path / "帮扶登记2021年7月.xlsx", {"登记": [
        AID, [date(2021, 7, 24), "捐款", "受灾群众", None, "1万元", None, None, None, None, "市义工联", None, "抗洪救灾"], row]})
    assert problems_of(path) == [(3, column, rule, reason)]


def test_publicity_content_type_vocabulary(tmp_path):
    path = write_xlsx(tmp_path / "公众号导出.xlsx", {"内容": [
        ["发布时间", "标题", "栏目", "内容类型", "阅读数"],
        ["2021-05-01 18:30:00", "党史天天学（1）", "党史天天学", "图文", 100],
        ["2021-05-02 18:30:00", "党史天天学（2）", "党史天天学", "音频", 120],
    ]})
    assert problems_of(path) == [(3, "D", "content_type_in_vocabulary", "内容类型“音频”应为 图文、短视频 之一")]


def test_the_data_docs_show_the_last_run_s_validations_only(tmp_path):
    """Rendered at a run's end from the results its workers sent; a process that rendered an
    earlier run's docs keeps none of that run's pages."""
    from flows.validate import Checks, render_docs, validate_files

    settings = Settings.load()
    checks = Checks(settings.expectations_dir, {"unit_names": UNITS}, TODAY)
    docs = tmp_path / "data_docs"
    earlier = extract_file(ledger(tmp_path, bad_row(B=None), name="办公室2021年3月学习台账.xlsx"))
    later = extract_file(ledger(tmp_path, bad_row(H=0), name="研究室2021年3月学习台账.xlsx"))
    render_docs(validate_files([earlier], checks)[1], settings.expectations_dir, docs)
    problems, results = validate_files([later], checks)
    index = render_docs(results, settings.expectations_dir, docs)
    pages = list((docs / "validations" / "activities").rglob("*.html"))
    assert len(results) == 1 and len(pages) == 1
    assert problems["rule"].tolist() == ["participants_at_least_one"]
    assert pages[0].relative_to(docs).as_posix() in index.read_text(encoding="utf-8")


def test_validation_and_the_warehouse_agree_on_what_makes_two_titles_the_same():
    """One definition (core.title_key): the duplicate check and the warehouse's activity key
    group the same titles together, whatever the spaces, punctuation and symbols."""
    import duckdb
    import pandas as pd

    from flows.settings import PROJECT_ROOT
    from flows.validate import _key_text

    titles = ["学习A+B", "学习AB", "学习 A·B", "学习\u3000A、B", "《论党的建设》学习", "论党的建设学习",
              "学习（一）", "学习(一)", "学习—A", "学习A", "党史天天学｜第1课", "党史天天学第1课"]
    con = duckdb.connect()
    con.execute((PROJECT_ROOT / "sql" / "core" / "title_key.sql").read_text(encoding="utf-8").replace("core.", ""))
    in_warehouse = [k for (k,) in con.execute("select title_key(t) from unnest(?) as u(t)", [titles]).fetchall()]
    in_validation = _key_text(pd.Series(titles)).tolist()
    assert in_validation == in_warehouse
    assert in_warehouse[0] == in_warehouse[1] and in_warehouse[3] == in_warehouse[0] and in_warehouse[4] == in_warehouse[5]


def _checkpoints_built() -> int:
    from flows.validate import _checkpoint

    return _checkpoint.cache_info().currsize


def test_workers_start_with_every_suite_s_checkpoint_built():
    """The server workers are forked from builds them (≈ 0.2 s a worker's first validation saves)."""
    from flows.workers import _POOL, run_in_worker

    _POOL.close()  # a worker forked now, not one that an earlier test had validate
    assert run_in_worker(_checkpoints_built) == len({contract.suite for contract in CONTRACTS})


def test_what_great_expectations_imports_for_distribution_tests_still_loads_when_used():
    """scipy.stats and altair load only when first used, in a fresh process as in the workers'
    server; a suite that needed them (a distribution test) would still have them."""
    import os
    import subprocess
    import sys

    code = ("import sys, flows.validate, great_expectations\n"
            "print(sorted(type(sys.modules[m]).__name__ for m in ('scipy.stats', 'altair')))\n"
            "from scipy import stats\n"
            "print(stats.norm.cdf(0.0), type(sys.modules['scipy.stats']).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "GX_ANALYTICS_ENABLED": "false"}).stdout.split("\n")
    assert out[0] == "['_LazyModule', '_LazyModule']"
    assert out[1] == "0.5 module"
