"""Extraction: the spec's samples and generated variants become exact records with lineage."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from flows.extract import extract_file
from workbooks import LEDGER_HEADER, write_csv, write_xlsx


def records(read, table="activity_rows", columns=("row_number", "activity_on", "activity_type", "title",
                                                   "org_unit", "participants")):
    frame = read.frame(table)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)]


def test_sample_branch_ledger_keeps_bad_rows_for_validation_and_skips_total_and_notes(samples):
    read = extract_file(samples / "机关党支部2022年6月学习台账.xlsx")
    assert read.refusal is None
    assert (read.source, read.submitter, read.period.label, read.filled_on) == \
        ("activity_ledger", "机关党支部", "2022-06", date(2022, 7, 5))
    assert [(s.sheet, s.state) for s in read.sheets] == [("Sheet1", "empty"), ("活动台账", "read")]
    assert records(read) == [
        (4, date(2022, 6, 3), "重温入党誓词", "“三·五”基层工作日重温入党誓词（第4场）", "机关第一党支部", 17),
        (5, date(2022, 6, 6), "支委会", "6月支委会", "机关第一党支部", 5),
        (6, date(2022, 6, 21), "集体学习", "集体学习《中国共产党简史》（一支部第10次）", "机关第一党支部", 13),
        (7, date(2022, 6, 25), "主题党日", "6月主题党日", "机关第一党支部", 14),
        (8, date(2022, 6, 30), "党课", "传承红色基因 担当社科使命", "机关第一党支部", 38),
        (9, date(2022, 6, 18), "其他", "端午节慰问座谈", "机关第一党支部", 20),
        (10, date(2022, 6, 21), "集体学习", "财务知识学习", "财务科", 6),
        (12, None, "专题研讨", "专题研讨（日期漏填）", "机关第一党支部", 18),
        (13, date(2022, 6, 24), "集体学习", "集体学习《中国共产党简史》第五章", "机关第一党支部", -3),
    ]
    # the original text stays beside every parsed value
    frame = read.frame("activity_rows").set_index("row_number")
    assert frame.loc[6, "activity_type_raw"] == "支部集中学习"
    assert frame.loc[8, "activity_type_raw"] == "讲党课"
    assert frame.loc[4, "participants_raw"] == "１７"
    assert read.skipped_rows == [("活动台账", 11, "blank"), ("活动台账", 14, "total"), ("活动台账", 15, "note")]
    assert read.column_letter("活动台账", "participants") == "H"


def test_sample_office_ledger_with_excel_dates_and_first_topic(samples):
    read = extract_file(samples / "办公室2022年4月学习活动台账.xlsx")
    assert records(read, columns=("row_number", "activity_on", "activity_type", "speaker_role", "participants",
                                  "first_topic")) == [
        (4, date(2022, 4, 9), "中心组学习", "党组书记、主席", 7, True),
        (5, date(2022, 4, 15), "专家辅导", "市委党校教授", 45, None),
        (6, date(2022, 4, 20), "专题读书班", None, 35, None),
        (7, date(2022, 4, 24), "中心组学习", "党组书记、主席", 8, True),
    ]


def test_sample_csv_with_bom_and_synonym_headers(samples):
    read = extract_file(samples / "二支部2022年第1季度活动台账.csv")
    assert (read.period.label, read.submitter) == ("2022-Q1", "机关第二党支部")
    assert records(read) == [
        (2, date(2022, 1, 18), "集体学习", "二支部集体学习党史专题（第1次）", "机关第二党支部", 36),
        (3, date(2022, 2, 18), "集体学习", "二支部集体学习党史专题（第2次）", "机关第二党支部", 19),
        (4, date(2022, 3, 18), "集体学习", "二支部集体学习党史专题（第3次）", "机关第二党支部", 14),
    ]


def test_sample_xls_maps_type_synonyms(samples):
    read = extract_file(samples / "普及部2022年宣讲活动台账.xls")
    types = read.frame("activity_rows")[["activity_type_raw", "activity_type"]].drop_duplicates()
    assert sorted(map(tuple, types.values.tolist())) == [
        ("基层宣讲", "基层宣讲"), ("文艺汇演", "文艺活动"), ("理论宣讲", "基层宣讲"), ("诗歌音乐会", "文艺活动")]
    assert read.tables["activity_rows"].num_rows == 12


def test_sample_register_with_aliases_and_leader_roles(samples):
    read = extract_file(samples / "组织机构与班子（2022年版）.xlsx")
    assert read.source == "unit_register"
    units = read.frame("register_units").set_index("unit_name")
    assert len(units) == 23
    assert units.loc["机关第一党支部", "aliases"] == "机关党支部、一支部"
    assert units.loc["机关第一党支部", "parent_name"] == "市社科联党总支"
    assert units.loc["市义工联党支部", "established_on"] == date(2022, 9, 15)
    roles = read.frame("register_roles")
    assert dict(zip(roles["role"], roles["is_leader"])) == {
        "党组书记": True, "主席": True, "副主席": True, "党组成员": True, "秘书长": True, "部长": False, "党务干事": False}


def test_unit_only_in_the_title_rows_and_header_not_in_row_one(tmp_path):
    header = [h for h in LEDGER_HEADER if h != "组织单位"]
    path = write_xlsx(tmp_path / "研究室2021年3月学习台账.xlsx", {"台账": [
        ["XX市社科联研究室2021年3月学习活动台账"],
        ["填报单位：研究室\u3000\u3000填报人：李明\u3000\u3000填报日期：2021年4月2日"],
        header,
        [1, date(2021, 3, 5), "研讨会", "研讨交流（第1次）", "周明", "副主席", "12人", None, "线下", None, None],
    ]}, origin=(2, 1))  # two blank rows and a blank column before the title
    read = extract_file(path)
    assert read.sheets[0].header_row == 5
    assert read.column_letter("台账", "activity_on") == "C"
    assert records(read) == [(6, date(2021, 3, 5), "专题研讨", "研讨交流（第1次）", "研究室", 12)]
    assert (read.submitter, read.filled_on) == ("研究室", date(2021, 4, 2))


def test_gbk_csv_with_month_day_dates_takes_the_year_from_the_file_name(tmp_path):
    path = write_csv(tmp_path / "普及部2021年5月活动台账.csv", [
        ["编号", "日期", "类型", "主题", "单位", "负责人", "职务", "人数"],
        [1, "5月6日", "理论宣讲", "党史进基层（第1场）", "社科普及部", None, None, "约90"],
    ], encoding="gbk")
    read = extract_file(path)
    assert records(read) == [(2, date(2021, 5, 6), "基层宣讲", "党史进基层（第1场）", "社科普及部", 90)]
    assert read.frame("activity_rows")["participants_is_approx"].tolist() == [True]


def test_hidden_sheets_are_not_read_but_recorded(tmp_path):
    path = write_xlsx(tmp_path / "二支部2021年5月台账.xlsx", {
        "旧数据": [LEDGER_HEADER, [1, date(2020, 1, 1), "集体学习", "旧", "二支部", None, None, 9]],
        "5月": [LEDGER_HEADER, [1, date(2021, 5, 9), "集体学习", "新", "二支部", None, None, 9]],
    }, hidden=("旧数据",))
    read = extract_file(path)
    assert [(s.sheet, s.state) for s in read.sheets] == [("旧数据", "hidden"), ("5月", "read")]
    assert records(read, columns=("title",)) == [("新",)]


def test_excel_serial_in_a_general_cell_is_a_date(tmp_path):
    path = write_xlsx(tmp_path / "办公室2021年3月台账.xlsx", {"a": [LEDGER_HEADER, [1, 44260, "中心组学习", "t", "办公室"]]})
    assert records(extract_file(path), columns=("activity_on",)) == [(date(2021, 3, 5),)]


@pytest.mark.parametrize("name, content, reason", [
    ("空文件.xlsx", b"", "文件为空"),
    ("说明.txt", b"hello", "不支持的文件类型“.txt”（支持 xlsx、xlsm、xls、csv、docx）"),
    ("坏文件.xlsx", b"PK\x03\x04garbage", "文件已损坏：不是完整的 Office 文件（zip 结构无法读取），请重新保存后提交"),
    ("表.csv", "姓名,电话\n张三,123\n".encode(), "未找到可识别的表头（没有一张工作表是已知的台账格式）"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    read = extract_file(path)
    assert read.tables == {}
    assert read.refusal == reason


def test_records_read_in_the_workers_arrive_exactly_as_read(samples):
    """Workers send a batch's records packed (one table per kind of columns); every file must
    get back exactly its own rows: the register's two tables, the online form's extra column."""
    from flows.workers import read_batch
    from flows.settings import Settings
    from flows.validate import Checks

    paths = sorted(p for p in samples.iterdir() if p.is_file())
    batch = read_batch(paths, Checks(Settings.load().expectations_dir, {"unit_names": []}, date.today()))
    assert [r.path for r in batch.reads] == paths
    for sent, path in zip(batch.reads, paths):
        here = extract_file(path)
        assert sorted(sent.tables) == sorted(here.tables), path.name
        for name, table in here.tables.items():
            assert sent.tables[name].equals(table), (path.name, name)
    assert sum(len(r.tables) for r in batch.reads) > len(paths)  # the register holds two tables


def read_both_ways(path):
    """A file as read today (a small sheet cell by cell) and as the Arrow path reads it."""
    from unittest import mock

    import flows.extract
    import flows.extract.layout

    plain = extract_file(path)
    with mock.patch.object(flows.extract, "PLAIN_ROWS", 0), mock.patch.object(flows.extract.layout, "PLAIN_ROWS", 0):
        columns = extract_file(path)
    return plain, columns


def same_read(plain, columns) -> None:
    assert plain.refusal == columns.refusal
    assert plain.skipped_rows == columns.skipped_rows
    assert plain.tables.keys() == columns.tables.keys()
    for name, table in plain.tables.items():
        assert table.schema == columns.tables[name].schema, name
        assert table.to_pylist() == columns.tables[name].to_pylist(), name


def test_every_sample_reads_the_same_cell_by_cell_as_in_arrow(samples):
    """Small sheets are read cell by cell in Python, larger ones column by column in Arrow: the
    same records either way, skipped rows and all."""
    paths = sorted(p for p in samples.rglob("*") if p.is_file())
    assert len(paths) >= 10
    for path in paths:
        same_read(*read_both_ways(path))


_PIECES = ["", " ", "  ", "\u3000", "\xa0", "\t", "\n", "\r\n", "\u2003", "\x0b", "\x85", "合计", "总计：", "备注：",
           "备注 :", "注\u3000：", "说明\t:", "约30", "30人", "１７", "十二", "-3", "1万+", "2021-03-05", "3月5日",
           "2021年3月5日 10:00", "44260", "是", "否", "√", "研讨交流", "支部集中学习", "讲党课", "线上", "x"]


@given(st.lists(st.lists(st.lists(st.sampled_from(_PIECES), max_size=3).map("".join), min_size=12, max_size=12),
                min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_a_small_sheet_reads_the_same_cell_by_cell_as_in_arrow(rows):
    """Whatever the cells hold (spaces of every kind, totals, notes, counts and dates as people
    write them), the two ways give the same records and skip the same rows."""
    import csv
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "研究室2021年3月学习台账.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([LEDGER_HEADER, *rows])
        same_read(*read_both_ways(path))
