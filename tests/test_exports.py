"""Real services' exports, in the exact shapes they write them, go in with the right records,
vocabularies and dates; the service and kind of export are recorded; a 按序号 download and a
survey that is not one of our forms are refused with a reason; a row's problems go to its unit."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from flows.demo_exports import (
    Answer, write_tencent_csv, write_tencent_xlsx, write_wechat_detail, write_wjx_csv, write_wjx_xlsx,
)
from flows.metrics import all_metrics
from flows.pipeline import ingest
from flows.problems import open_problems

REGISTER = "组织机构与班子（2022年版）.xlsx"
ANSWERS = [
    Answer(date(2022, 6, 8), "集体学习", "机关第一党支部", "集体学习《中国共产党简史》", "王芳", 18, "机关三楼会议室"),
    Answer(date(2022, 6, 15), "专题研讨", "研究室", "学习贯彻“七一”重要讲话精神研讨交流", None, 9, None, "线上"),
    Answer(date(2022, 6, 21), "支部委员会会议", "二支部", "6月支委会", None, 5, "二支部活动室"),
]


@pytest.fixture
def inbox(prefect, settings, samples):
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    return settings


def run(settings):
    return ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))


def rows(settings, sql, *params):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


ACTIVITIES = ("select unit_name, activity_on::varchar, activity_type, title, speaker, participants, location, mode "
              "from core.activities order by activity_on")
EXPECTED = [
    ("机关第一党支部", "2022-06-08", "集体学习", "集体学习《中国共产党简史》", "王芳", 18, "机关三楼会议室", "线下"),
    ("研究室", "2022-06-15", "专题研讨", "学习贯彻“七一”重要讲话精神研讨交流", None, 9, None, "线上"),
    ("机关第二党支部", "2022-06-21", "支委会", "6月支委会", None, 5, "二支部活动室", "线下"),
]


@pytest.mark.parametrize("name, write", [
    ("腾讯问卷_活动登记_20220630.csv", lambda p: write_tencent_csv(p, ANSWERS)),
    ("腾讯问卷_活动登记_新版_20220630.csv", lambda p: write_tencent_csv(p, ANSWERS, newer=True, encoding="gbk")),
    ("腾讯问卷_活动登记_20220630.xlsx", lambda p: write_tencent_xlsx(p, ANSWERS)),
    ("问卷星_活动登记_20220630.xlsx", lambda p: write_wjx_xlsx(p, ANSWERS)),
    ("问卷星_活动登记_旧版_20220630.csv", lambda p: write_wjx_csv(p, ANSWERS)),
])
def test_an_online_form_export_goes_in_with_the_right_records(inbox, name, write):
    settings = inbox
    write(settings.inbox / name)
    run(settings)
    service = "tencent_wj" if name.startswith("腾讯") else "wjx"
    assert rows(settings, "select source, service, export_kind, state from raw.files where file_name = ?", name) == [
        ("online_form", service, "answers_by_text", "loaded")]
    assert rows(settings, ACTIVITIES) == EXPECTED
    assert rows(settings, "select count(*) from marts.open_problems") == [(0,)]
    submitted = rows(settings, "select min(submitted_at)::varchar from raw.activity_rows")[0][0]
    assert submitted.startswith("2022-06-09 07:40")  # the platform's own time, read in its format
    metadata = rows(settings, "select form_metadata from raw.activity_rows order by row_number limit 1")[0][0]
    assert ("183.192.16.1(河南-郑州)" in metadata) if service == "wjx" else ("oV3x000001" in metadata)
    values = all_metrics(duckdb.connect(str(settings.warehouse), read_only=True), date(2022, 6, 1), date(2022, 6, 30))
    assert (values["activities_total"], values["participants_total"], values["branch_committee_meetings"],
            values["seminars"]) == (3, 32, 1, 1)


def test_a_file_answer_is_kept_as_its_text_never_evaluated(inbox):
    settings = inbox
    write_tencent_xlsx(settings.inbox / "腾讯问卷_活动登记_20220630.xlsx", ANSWERS)
    run(settings)
    import json

    first = json.loads(rows(settings, "select form_metadata from raw.activity_rows order by row_number")[0][0])
    assert first["9.活动照片"] == '=Hyperlink("https://wj.qq.com/upload/1/a.jpg"，"活动照片1.jpg")'
    assert first["用户标识"] == "oV3x000001" and first["结束答题时间"] == "2022/6/9 7:40"


def test_a_wjx_export_downloaded_by_number_is_refused_with_what_to_download(inbox):
    settings = inbox
    write_wjx_xlsx(settings.inbox / "问卷星_活动登记_按序号_20220630.xlsx", ANSWERS, by_number=True)
    run(settings)
    ((state, kind, service, export_kind, reason),) = rows(
        settings, "select state, refusal_kind, service, export_kind, reason from raw.files where source is null "
                  "or state = 'refused'")
    assert (state, kind, service, export_kind) == ("refused", "by_number", "wjx", "answers_by_number")
    assert "按选项文本下载" in reason
    assert rows(settings, "select count(*) from core.activities") == [(0,)]


def test_a_survey_that_is_not_one_of_our_forms_is_still_refused(inbox):
    settings = inbox
    from workbooks import write_csv

    write_csv(settings.inbox / "问卷星_满意度调查_20220630.csv", [
        ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您对本次讲座是否满意", "2、您的建议"],
        [1, "2022/06/12 10:00:00", "30秒", "手机提交", "直接访问", "1.2.3.4(河南-郑州)", "满意", "(空)"]])
    run(settings)
    assert rows(settings, "select state, refusal_kind from raw.files where file_name like '问卷星%'") == [
        ("refused", "no_header")]


def test_each_row_of_an_online_form_sends_its_problems_to_its_own_unit(inbox):
    settings = inbox
    bad = [Answer(date(2022, 6, 8), "其他", "机关第一党支部", "端午座谈", None, 5),
           Answer(date(2022, 6, 9), "集体学习", "研究室", "研究室集体学习", None, -3)]
    write_wjx_xlsx(settings.inbox / "问卷星_活动登记_20220630.xlsx", bad)
    run(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        problems = open_problems(con)
    assert sorted(set(problems["unit_name"])) == ["机关第一党支部", "研究室"]
    receipts = sorted(settings.receipts.iterdir())
    assert [p.name for p in receipts] == ["错误回执_机关第一党支部.xlsx", "错误回执_研究室.xlsx"]
    import openpyxl  # each unit sees its own answers only, not the other unit's

    sheet = openpyxl.load_workbook(receipts[1]).worksheets[1]
    texts = [[c.value for c in row] for row in sheet.iter_rows()]
    assert texts[0][:2] == ["序号", "提交答卷时间"] and len(texts) == 2 and "研究室集体学习" in texts[1]


def test_a_wechat_detail_export_is_a_publicity_snapshot(inbox):
    settings = inbox
    posts = [(date(2021, 11, 1), "【党史天天学】百年党史每日一课（1）", 1520),
             (date(2021, 11, 3), "疫情防控｜科学防护知识", 830),
             (date(2021, 11, 5), "社科动态：年会召开", 210)]
    write_wechat_detail(settings.inbox / "网商社科公众号_已通知内容_20211130.xlsx", posts)
    run(settings)
    assert rows(settings, "select source, service, export_kind, exported_on::varchar from raw.files "
                          "where file_name like '网商%'") == [("publicity_log", "wechat_mp", "content_detail", "2021-11-30")]
    assert rows(settings, "select published_on::varchar, platform, column_name, content_type, reads "
                          "from core.publicity_snapshots order by published_on") == [
        ("2021-11-01", "网商社科公众号", "党史天天学", "图文", 1520),
        ("2021-11-03", "网商社科公众号", "疫情防控", "图文", 830),
        ("2021-11-05", "网商社科公众号", None, "图文", 210)]
    values = all_metrics(duckdb.connect(str(settings.warehouse), read_only=True), date(2021, 1, 1), date(2021, 12, 31))
    assert (values["history_articles"], values["history_reads"], values["epidemic_articles"]) == (1, 1520, 1)
