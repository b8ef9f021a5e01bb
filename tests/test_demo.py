"""The README's main job: `taizhang demo` through the installed console script, end to end.

The demo year is planned to reach the figures the seed reports state; the test reads
those figures from the seeds themselves.
"""

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from docx import Document

from conftest import SEEDS
from flows.metrics import activity_metrics, all_metrics, metric_values, window_figures
from flows.report.phrasing import write_number

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))


def taizhang(*args, env_extra=None, timeout=300) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([TAIZHANG, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`taizhang demo --out DIR` run once, as a user would, with its own Prefect home."""
    out = tmp_path_factory.mktemp("demo")
    done = taizhang("demo", "--out", str(out), env_extra={"PREFECT_HOME": str(out / "prefect")})
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_demo_prints_where_the_warehouse_report_and_problems_are(demo):
    out, stdout = demo
    printed = dict(re.findall(r"^(demo inbox|warehouse|report|evidence|problems):\s+(\S+)", stdout, re.M))
    assert printed["warehouse"] == str(out / "taizhang.duckdb")
    assert printed["report"] == str(out / "reports" / "XX市社科联_月报_2021-12.docx")
    for key in ("demo inbox", "warehouse", "report", "evidence", "problems"):
        assert Path(printed[key]).exists(), key
    # every file of the inbox ends in one state, listed at the end of the run
    states = re.findall(r"^  (loaded|duplicate|superseded|refused) +(.+?)  ", stdout, re.M)
    inbox_files = sorted(p.relative_to(out / "inbox").as_posix() for p in (out / "inbox").rglob("*") if p.is_file())
    assert sorted(path for _, path in states) == inbox_files
    assert {state for state, _ in states} == {"loaded", "duplicate", "superseded", "refused"}


SEED_PHRASES = {  # metric id → how a seed report writes it ({} is the figure), and in which style
    "centre_group_sessions": ("共组织开展党组理论学习中心组学习{}", "exact", "次"),
    "first_topic_sessions": ("（“第一议题”学习{}）", "exact", "次"),
    "collective_study_sessions": ("集体学习{}，", "exact", "次"),
    "seminars": ("研讨交流{}，", "exact", "次"),
    "branch_committee_meetings": ("支委会会议{}", "exact", "次"),
    "branch_general_meetings": ("支部大会{}", "exact", "次"),
    "leader_party_lectures": ("其中领导干部上党课{}", "exact", "次"),
    "party_lectures": ("共开展党课宣讲{}", "exact", "次"),
    "integrity_studies": ("专题研究部署党风廉政建设工作{}", "exact", "次"),
    "oath_renewals": ("重温入党誓词{}", "exact", "场次"),
    "grassroots_talks": ("开展基层宣讲{}", "exact", "场次"),
    "study_sessions": ("全年开展各类学习{}", "余", "次"),
    "reading_titles": ("等参考材料{}", "余", "本"),
    "history_articles": ("共编发系列内容{}", "exact", "篇"),
    "history_videos": ("短视频发布{}", "exact", "个"),
    "history_reads": ("平台总阅读量{}", "逾", ""),
    "epidemic_societies": ("等{}社科直属学会", "余", "家"),
    "visited_households_workday": ("走访慰问困难党员、老党员{}", "exact", "户"),
    "outreach_schools": ("等{}学校", "exact", "所"),
    "outreach_audience": ("受众达{}", "余", "人次"),
    "think_tank_issues": ("《智库决策参考》{}，", "exact", "期"),
    "flood_goods_value": ("各类物资价值{}", "万", "元"),
    "flood_cash": ("现金{}", "万", "元"),
    "epidemic_articles": ("疫情防控相关内容{}", "exact", "个"),
    "epidemic_videos": ("宣传视频{}", "exact", "个"),
    "epidemic_reads": ("全网阅读量达{}", "万", ""),
    "village_gift_value": ("筹集价值{}", "余", "元"),
    "visited_households_village": ("慰问困难群众和困难党员{}", "exact", "户"),
    "branches": ("共有党支部{}", "exact", "家"),
    "new_branches": ("其中新成立党支部{}", "exact", "家"),
    "activists_developed": ("已培养发展{}入党积极分子", "exact", "名"),
}
VILLAGE_STYLES = {"空调": "两", "绿化树木": "余"}


def test_the_demo_year_reaches_the_figures_of_the_seed_reports(demo):
    out, _ = demo
    seeds = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    con = duckdb.connect(str(out / "taizhang.duckdb"), read_only=True)
    year = all_metrics(con, date(2021, 1, 1), date(2021, 12, 31))
    for metric, (phrase, style, measure) in SEED_PHRASES.items():
        assert phrase.format(write_number(year[metric], style, measure)) in seeds, (metric, year[metric])
    donated = "，".join(write_number(v["quantity"], VILLAGE_STYLES.get(item, "exact"), v["unit"]).join([item, ""])
                       for item, v in year["village_items"].items())
    assert f"为帮扶村捐赠{donated}。" in seeds


def test_values_asked_alone_are_the_values_that_come_with_their_evidence(demo):
    # metric_values leaves the places out for speed; a report's figures carry them: the same numbers
    out, _ = demo
    windows = [(date(2021, 1, 1), date(2021, 12, 31))] + [(date(2021, m, 1), date(2021, m + 1, 1) - timedelta(days=1))
                                                          for m in range(1, 12)]
    con = duckdb.connect(str(out / "taizhang.duckdb"), read_only=True)
    try:
        for start, end in windows:
            figures = window_figures(con, start, end)
            assert metric_values(con, start, end) == figures.values, start
            assert not figures.evidence.empty
        assert con.execute("select count(*) from metrics.figures(date '2021-01-01', date '2021-12-31', "
                           "with_places := false) where len(places) > 0").fetchone() == (0,)
    finally:
        con.close()


def test_the_demo_report_states_the_warehouse_figures(demo):
    out, _ = demo
    con = duckdb.connect(str(out / "taizhang.duckdb"), read_only=True)
    month = activity_metrics(con, date(2021, 12, 1), date(2021, 12, 31))
    year = activity_metrics(con, date(2021, 1, 1), date(2021, 12, 31))
    paragraphs = [p.text for p in Document(str(out / "reports" / "XX市社科联_月报_2021-12.docx")).paragraphs]
    assert f"共开展各类活动{month['activities_total']}次，参加{month['participants_total']}人次。" in paragraphs[2]
    cumulative = next(p for p in paragraphs if p.startswith("截至12月31日"))
    assert f"全年累计开展各类活动{year['activities_total']}次" in cumulative
    assert f"党组理论学习中心组学习{year['centre_group_sessions']}次（“第一议题”学习{year['first_topic_sessions']}次）" in cumulative
    assert f"开展各类学习{write_number(year['study_sessions'], '余', '次')}" in cumulative


def test_the_demo_problems_name_file_sheet_row_and_field(demo):
    out, _ = demo
    lines = (out / "reports" / "problems.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "单位,文件,工作表,行,列,字段,原值,问题,规则,发现时间"
    assert any(",财务科,组织单位“财务科”在组织机构名册中找不到" in line for line in lines)
    assert any(",文件为空,file_refused," in line for line in lines)
    receipts = sorted(p.name for p in (out / "reports" / "receipts").glob("*.xlsx"))
    # the 问卷星 download 按序号 is refused: its receipt is named after the service the file name gives
    assert receipts == ["错误回执_普及部.xlsx", "错误回执_机关第一党支部.xlsx", "错误回执_离退休干部党支部.xlsx",
                        "错误回执_问卷星.xlsx"]


def test_metrics_json_prints_every_metric_id(demo):
    out, _ = demo
    done = taizhang("--warehouse", str(out / "taizhang.duckdb"), "metrics", "--start", "2021-01-01", "--end", "2021-12-31")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    spec = (SEEDS.parent / "spec" / "metrics.md").read_text(encoding="utf-8")
    assert list(printed) == re.findall(r"^\| `([a-z_]+)` \|", spec, re.M)  # every id of metrics.md, in order
    assert all(isinstance(v, int) for k, v in printed.items() if k != "village_items")
    assert printed["village_items"]["路灯"] == {"quantity": 60, "unit": "盏"}


def test_metrics_for_a_scope_and_an_unknown_scope(demo):
    out, _ = demo
    warehouse = str(out / "taizhang.duckdb")
    branch = json.loads(taizhang("--warehouse", warehouse, "metrics", "--start", "2021-01-01", "--end", "2021-12-31",
                                 "--scope", "党总支").stdout)
    whole = json.loads(taizhang("--warehouse", warehouse, "metrics", "--start", "2021-01-01", "--end", "2021-12-31").stdout)
    assert 0 < branch["activities_total"] < whole["activities_total"]
    assert branch["centre_group_sessions"] == 0  # held by 办公室, which is not under the 党总支
    unknown = taizhang("--warehouse", warehouse, "metrics", "--start", "2021-01-01", "--end", "2021-12-31", "--scope", "财务科")
    assert unknown.returncode == 2 and unknown.stderr.startswith("“财务科”不是组织机构名册中的单位")


def test_running_the_demo_again_changes_nothing(demo):
    out, _ = demo
    con = duckdb.connect(str(out / "taizhang.duckdb"), read_only=True)
    before = con.execute("select (select count(*) from raw.files), (select count(*) from raw.activity_rows), "
                         "(select count(*) from raw.file_arrivals)").fetchone()
    con.close()
    again = taizhang("demo", "--out", str(out), env_extra={"PREFECT_HOME": str(out / "prefect")})
    assert again.returncode == 0, again.stderr[-3000:]
    assert "没有新文件 / nothing new in the inbox" in again.stdout
    con = duckdb.connect(str(out / "taizhang.duckdb"), read_only=True)
    assert con.execute("select (select count(*) from raw.files), (select count(*) from raw.activity_rows), "
                       "(select count(*) from raw.file_arrivals)").fetchone() == before
