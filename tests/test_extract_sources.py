"""Every source and variant of sources.md: the samples and generated fixtures, to exact records."""

from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from flows.extract import extract_file
from workbooks import LEDGER_HEADER, write_csv, write_xlsx


def rows(read, table, *columns):
    frame = read.frame(table)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)]


# ------------------------------------------------------------------ the remaining samples

def test_sample_word_form(samples):
    read = extract_file(samples / "党课登记表-2022-06-30-张建国.docx")
    assert (read.format, read.source, read.submitter, read.period.label) == ("docx", "activity_form", "机关党支部", "2022-06")
    assert rows(read, "activity_rows", "sheet", "row_number", "activity_on", "activity_type", "title", "org_unit", "speaker",
                "speaker_role", "participants", "location", "mode", "participant_names") == [
        ("表格1", 1, date(2022, 6, 30), "党课", "传承红色基因 担当社科使命", "机关党支部", "张建国", "党组书记、主席", 38,
         "机关三楼会议室", "线下", "支部全体党员")]
    assert rows(read, "activity_rows", "content") == [("主讲人围绕主题作专题党课，党员结合实际交流学习体会。",)]


def test_sample_online_form_export_keeps_platform_columns_as_metadata(samples):
    read = extract_file(samples / "问卷星导出_社团活动登记_20221231.csv")
    assert (read.source, read.exported_on) == ("online_form", date(2022, 12, 31))
    got = rows(read, "activity_rows", "row_number", "activity_on", "org_unit", "participants", "submitted_at", "notes")
    assert got[1] == (3, date(2022, 8, 21), "市义工联", 64, datetime(2022, 8, 22, 20, 5), None)
    assert got[4] == (6, date(2022, 8, 21), "市义工联", 69, datetime(2022, 8, 24, 20, 5), "重复提交，以此为准")
    import json
    assert json.loads(rows(read, "activity_rows", "form_metadata")[0][0]) == {
        "序号": "1", "提交答卷时间": "2022/06/13 20:05:00", "所用时间": "238秒", "来源": "手机提交",
        "来源详情": "直接访问", "来自IP": "123.217.67.133(河南-XX)"}


def test_sample_practical_matters(samples):
    read = extract_file(samples / "学会部-2022.09-办实事清单.xlsx")
    assert (read.source, read.submitter, read.period.label) == ("practical_matters", "学会部", "2022-09")
    got = rows(read, "matter_rows", "row_number", "matter", "org_unit", "due_on", "status", "done_on", "beneficiaries")
    assert len(got) == 9
    assert got[0] == (3, "2020年度哲学规划课题结项评审", "规划办", date(2022, 4, 30), "已完成", date(2022, 4, 26), 120)
    assert got[4] == (7, "学习宣传贯彻党的十九届六中全会精神研讨会", "研究室", date(2022, 12, 20), "推进中", None, None)


def test_sample_publicity_export_with_its_export_date(samples):
    read = extract_file(samples / "网商社科公众号_内容导出_2022-09-30.xlsx")
    assert (read.source, read.exported_on) == ("publicity_log", date(2022, 9, 30))
    got = rows(read, "publicity_rows", "row_number", "published_on", "title", "column_name", "content_type", "reads", "picked_up_by")
    assert len(got) == 139
    assert got[15] == (19, date(2022, 3, 13), "XX市社科联举行新时代文明实践志愿服务理论宣讲活动", "党史天天学", "图文", 11753, "人民日报、河南日报")
    assert got[32][5] == 100000


def test_sample_aid_log(samples):
    read = extract_file(samples / "帮扶慰问与捐赠登记表（样例）.xlsx")
    assert read.source == "aid_log"
    got = rows(read, "aid_rows", "event_on", "kind", "recipient", "households", "item", "quantity", "item_unit",
               "item_value_yuan", "org_unit", "place", "context")
    assert got[4] == (date(2022, 2, 8), "走访慰问", "困难群众", 12, "米面粮油", 12, "份", 2100.0, "办公室", "董庄村", "驻村帮扶")
    assert [g[10] for g in got].count("疫情防控") == 5


def test_sample_think_tank_ledger(samples):
    read = extract_file(samples / "智库专报报送台账2022.xlsx")
    assert read.source == "think_tank"
    assert rows(read, "think_tank_rows", "issue_no", "submitted_on")[0] == ("2022年第1期", date(2022, 5, 14))
    assert read.tables["think_tank_rows"].num_rows == 4


# ------------------------------------------------------------------ generated variants

def word_form(path, forms: list[list[list[str]]], title="XX市社科联活动登记表", in_control: str | None = None):
    """A .docx with one table per form; a row of two cells is a label and a value merged across."""
    document = Document()
    document.add_paragraph(title)
    for form in forms:
        table = document.add_table(rows=0, cols=4)
        for cells in form:
            row = table.add_row().cells
            if len(cells) == 2:
                merged = row[1].merge(row[3])
                row[0].text, merged.text = cells
            else:
                for cell, text in zip(row, cells):
                    cell.text = text
        if in_control:  # put this label's value inside a content control, as form templates do
            for row in table.rows:
                if row.cells[0].text == in_control:
                    paragraph = row.cells[1].paragraphs[0]._p
                    run = paragraph.findall(qn("w:r"))[0]
                    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
                    paragraph.remove(run)
                    content.append(run)
                    sdt.append(content)
                    paragraph.append(sdt)
    document.save(str(path))
    return path


def test_word_file_with_two_forms_merged_cells_and_a_content_control(tmp_path):
    path = word_form(tmp_path / "活动登记表-2021-05.docx", [
        [["活动名称", "主题党日（5月）"], ["活动时间", "2021年5月20日", "活动地点", "机关三楼会议室"],
         ["活动类型", "主题党日活动", "主办单位", "二支部"], ["参加人数", "１２人", "活动形式", "线下"]],
        [["活动名称", "读书班结业"], ["活动时间", "5月28日", "活动地点", "图书馆"],
         ["活动类型", "读书班", "主办单位", "办公室"], ["参加人数", "约30人", "活动形式", "线上线下结合"]],
    ], in_control="参加人数")
    read = extract_file(path)
    assert read.source == "activity_form"
    assert rows(read, "activity_rows", "sheet", "row_number", "activity_on", "activity_type", "title", "org_unit",
                "participants", "participants_is_approx", "mode") == [
        ("表格1", 1, date(2021, 5, 20), "主题党日", "主题党日（5月）", "二支部", 12, False, "线下"),
        ("表格2", 1, date(2021, 5, 28), "专题读书班", "读书班结业", "办公室", 30, True, "线上线下结合"),
    ]


def test_two_row_header_under_a_merged_group_cell(tmp_path):
    path = write_xlsx(tmp_path / "研究室2021年4月学习台账.xlsx", {"台账": [
        ["序号", "活动日期", "活动类型", "活动名称", "组织单位", "主讲人信息", None, "参加人数"],
        [None, None, None, None, None, "姓名", "职务", None],
        [1, date(2021, 4, 9), "研讨会", "研讨交流（第2次）", "研究室", "周明", "副主席", 15],
    ]})
    read = extract_file(path)
    assert read.sheets[0].header_row == 2
    assert rows(read, "activity_rows", "row_number", "activity_type", "speaker", "speaker_role", "participants") == [
        (3, "专题研讨", "周明", "副主席", 15)]


def test_online_form_export_as_a_workbook_with_numbered_questions(tmp_path):
    path = write_xlsx(tmp_path / "腾讯问卷_活动登记_导出.xlsx", {"Sheet1": [
        ["编号", "提交时间", "答题时长", "填写设备", "1.活动名称", "Q2.活动日期", "3、活动类型", "4、组织单位", "5、参加人数"],
        [1, "2021-07-02 09:15:00", "120秒", "手机", "宣讲进社区", "2021-07-01", "宣讲", "义工联", "25"],
    ]})
    read = extract_file(path)
    assert read.source == "online_form"
    assert rows(read, "activity_rows", "activity_on", "activity_type", "title", "org_unit", "participants", "submitted_at") == [
        (date(2021, 7, 1), "基层宣讲", "宣讲进社区", "义工联", 25, datetime(2021, 7, 2, 9, 15))]


def test_text_with_full_width_spaces_and_line_breaks_and_yes_no_marks(tmp_path):
    path = write_xlsx(tmp_path / "办公室2021年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER,
        [1, "2021.6.3", "中心组学习\u3000", "学习\n“七一”讲话  ", " 办公室 ", None, None, "十二", None, None, "√"],
        [2, "2021/6/9 14:30", "中心组学习", "第二次", "办公室", None, None, "两", None, None, "N"],
    ]})
    assert rows(extract_file(path), "activity_rows", "activity_on", "activity_type", "title", "org_unit", "participants",
                "first_topic") == [
        (date(2021, 6, 3), "中心组学习", "学习 “七一”讲话", "办公室", 12, True),
        (date(2021, 6, 9), "中心组学习", "第二次", "办公室", 2, False),
    ]


def test_gb18030_csv_with_title_rows(tmp_path):
    path = write_csv(tmp_path / "离退休党支部2021年第2季度台账.csv", [
        ["XX市社科联离退休干部党支部2021年第2季度活动台账"],
        ["填报单位：离退休党支部"],
        LEDGER_HEADER[:4] + LEDGER_HEADER[5:8],
        [1, "4月8日", "集中学习", "学习䶮字辈老党员事迹", None, None, 9],
    ], encoding="gb18030")
    read = extract_file(path)
    assert (read.period.label, read.submitter) == ("2021-Q2", "离退休党支部")
    assert rows(read, "activity_rows", "row_number", "activity_on", "activity_type", "title", "org_unit") == [
        (4, date(2021, 4, 8), "集体学习", "学习䶮字辈老党员事迹", "离退休党支部")]


def test_a_publicity_export_date_from_its_title_rows(tmp_path):
    path = write_xlsx(tmp_path / "官方微博导出.xlsx", {"数据": [
        ["官方微博内容导出"], ["导出时间：2021-12-05"],
        ["发布时间", "标题", "栏目", "内容类型", "播放量", "平台"],
        ["2021-11-30 18:00:00", "黄河文化短视频", "黄河文化", "视频", "10万+", "官方微博"],
    ]})
    read = extract_file(path)
    assert read.exported_on == date(2021, 12, 5)
    assert rows(read, "publicity_rows", "content_type", "reads", "reads_is_approx") == [("短视频", 100000, True)]


@pytest.mark.parametrize("sheet, expected", [
    ({"资料": [["书名", "数量", "发放日期"], ["《中国共产党简史》", "16本", "2021-04-01"]]},
     ("reading_rows", ("book_title", "quantity", "handed_out_on"), [("《中国共产党简史》", 16, date(2021, 4, 1))])),
    ({"进校园": [["日期", "学校/场所", "受众人次"], ["2021-05-10", "XX工学院", "1.2万"]]},
     ("outreach_rows", ("visited_on", "venue", "audience"), [(date(2021, 5, 10), "XX工学院", 12000)])),
    ({"发展": [["姓名", "支部", "确定日期", "阶段"], ["李雷", "一支部", "2021-06-01", "积极分子"]]},
     ("development_rows", ("person_name", "branch", "decided_on", "stage"), [("李雷", "一支部", date(2021, 6, 1), "入党积极分子")])),
])
def test_other_ledgers(tmp_path, sheet, expected):
    table, columns, records = expected
    read = extract_file(write_xlsx(tmp_path / "其他台账2021.xlsx", sheet))
    assert rows(read, table, *columns) == records


def test_utf8_csv_without_bom(tmp_path):
    path = write_csv(tmp_path / "研究室2021年7月活动台账.csv", [
        LEDGER_HEADER[:5], [1, "2021-07-08", "专题研讨", "研讨交流（第3次）", "科研部"]], encoding="utf-8")
    assert rows(extract_file(path), "activity_rows", "activity_on", "org_unit") == [(date(2021, 7, 8), "科研部")]


@pytest.mark.parametrize("builtin_format", [27, 31, 57, 58])  # Excel's built-in Chinese date formats
def test_dates_in_built_in_chinese_formats_arrive_as_serials_and_are_read(tmp_path, builtin_format):
    import xlsxwriter

    path = tmp_path / "办公室2021年3月学习台账.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, LEDGER_HEADER[:5])
    sheet.write_row(1, 0, [1])
    sheet.write_number(1, 1, 44260, book.add_format({"num_format": builtin_format}))
    sheet.write_row(1, 2, ["中心组学习", "第一次", "办公室"])
    book.close()
    assert rows(extract_file(path), "activity_rows", "activity_on") == [(date(2021, 3, 5),)]


def test_a_fill_date_in_the_title_rows_is_not_the_period(tmp_path):
    path = write_xlsx(tmp_path / "学习台账.xlsx", {"台账": [
        ["XX市社科联学习活动台账"], ["填报单位：办公室\u3000\u3000填报日期：2021年4月2日"], LEDGER_HEADER[:5],
        [1, "2021-03-05", "集体学习", "第一次", "办公室"]]})
    read = extract_file(path)
    assert read.period is None and read.filled_on == date(2021, 4, 2)
