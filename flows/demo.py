"""The demo inbox: a fictional unit's year (2021) of submissions, as people really send them.

Deterministic (seeded). The activities are planned so that the year's figures are the ones
the seed reports state (中心组学习20次, "第一议题"16次, 集体学习26次, 研讨交流7次, 专题读书班7期,
党课4次 of which leaders 3, 重温入党誓词6场次, 基层宣讲14场次, …). The files carry the mess
of `../shared/spec/sources.md`: title rows, the unit only in the title, synonym headers and
types, dates in every form, full-width digits, blank/合计/填表说明 rows, an empty first
sheet, a hidden sheet, GBK csv, a byte-identical copy, a corrected resubmission (修改版),
an empty file, and a handful of bad rows that validation must catch.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

YEAR = 2021
ORG = "XX市社科联"

REGISTER_UNITS = [
    # name, aliases, type, parent, established, members
    ("办公室", "社科联办公室", "机关部室", None, None, None),
    ("学会部", "学会处", "机关部室", None, None, None),
    ("普及部", "社科普及部", "机关部室", None, None, None),
    ("规划办", "社科规划办", "机关部室", None, None, None),
    ("研究室", "科研部", "机关部室", None, None, None),
    ("市社科联党总支", "党总支、机关党总支", "党总支", None, date(2021, 3, 20), 54),
    ("机关第一党支部", "机关党支部、一支部", "党支部", "市社科联党总支", date(2015, 3, 1), 18),
    ("机关第二党支部", "二支部", "党支部", "市社科联党总支", date(2016, 5, 10), 12),
    ("离退休干部党支部", "离退休党支部", "党支部", "市社科联党总支", date(2012, 7, 1), 15),
    ("市心理咨询师协会党支部", "心理咨询师协会党支部", "党支部", "市社科联党总支", date(2021, 7, 6), 5),
    ("市义工联党支部", "义工联党支部", "党支部", "市社科联党总支", date(2021, 9, 15), 4),
    ("市心理咨询师协会", "心理咨询师协会", "直属学会", None, None, None),
    ("市义工联", "市义工联合会、义工联", "直属学会", None, None, None),
    ("市市场营销协会", "营销协会", "直属学会", None, None, None),
    ("市法治与法学研究交流学会", "法学研究交流学会", "直属学会", None, None, None),
    ("市历史学会", None, "直属学会", None, None, None),
    ("市经济学会", None, "直属学会", None, None, None),
]
LEADER_ROLES = [("党组书记", "是"), ("主席", "是"), ("副主席", "是"), ("党组成员", "是"), ("秘书长", "是"),
                ("部长", "否"), ("党务干事", "否"), ("会长", "否")]

# (type as written, unit, how many in the year, title pattern, speaker, role, first topic)
PLAN = [
    ("中心组学习", "办公室", 16, "党组理论学习中心组学习（第{n}次）", "胡建华", "党组书记、主席", True),
    ("党组理论学习中心组学习", "办公室", 4, "中心组专题学习交流研讨（第{n}次）", "胡建华", "党组书记、主席", False),
    ("支部集中学习", "机关第一党支部", 14, "集体学习《中国共产党简史》（一支部第{n}次）", "王芳", "部长", None),
    ("集体学习", "机关第二党支部", 8, "二支部集体学习党史专题（第{n}次）", "陈静", "部长", None),
    ("集中学习", "离退休干部党支部", 4, "离退休党员集中学习（第{n}次）", None, None, None),
    ("专家辅导", "办公室", 3, "中国共产党百年光辉历程专题辅导（第{n}讲）", "马文博", "市委党校教授", None),
    ("辅导讲座", "研究室", 2, "习近平新时代中国特色社会主义思想辅导讲座（第{n}讲）", "李春华", "市委党校教授", None),
    ("研讨交流", "研究室", 7, "学习贯彻“七一”重要讲话精神研讨交流（第{n}次）", "周明", "副主席", None),
    ("专题读书班", "办公室", 7, "党史学习教育专题读书班（第{n}期）", None, None, None),
    ("讲党课", "机关第一党支部", 1, "传承红色基因 担当社科使命", "胡建华", "党组书记、主席", None),
    ("专题党课", "机关第一党支部", 1, "学党史 悟思想 办实事 开新局", "周明", "副主席", None),
    ("党课", "机关第二党支部", 1, "从百年党史中汲取奋进力量", "刘伟", "党组成员", None),
    ("党课", "离退休干部党支部", 1, "老党员讲党史", "孙立", "部长", None),
    ("重温入党誓词", "机关第一党支部", 6, "“三·五”基层工作日重温入党誓词（第{n}场）", None, None, None),
    ("理论宣讲", "普及部", 10, "党史进基层理论宣讲（普及部第{n}场）", None, None, None),
    ("基层宣讲", "市义工联", 4, "志愿服务理论宣讲进社区（义工联第{n}场）", "刘洋", "会长", None),
    ("专题研究党风廉政建设", "办公室", 6, "党组专题研究部署党风廉政建设（第{n}次）", "胡建华", "党组书记、主席", None),
    ("支委会", "机关第一党支部", 12, "{m}月支委会", None, None, None),
    ("党员大会", "机关第一党支部", 2, "支部党员大会（第{n}次）", None, None, None),
    ("红色教育", "机关第一党支部", 4, "赴红色教育基地参观学习（第{n}次）", None, None, None),
    ("参观学习", "机关第二党支部", 3, "赴革命纪念馆参观学习（第{n}次）", None, None, None),
    ("主题党日", "机关第一党支部", 12, "{m}月主题党日", None, None, None),
    ("专题组织生活会", "机关第一党支部", 1, "党史学习教育专题组织生活会", "胡建华", "党组书记、主席", None),
    ("意识形态工作分析会", "办公室", 2, "意识形态工作分析会（第{n}次）", "胡建华", "党组书记、主席", None),
    ("文艺汇演", "普及部", 1, "“学党史·庆五一·迎华诞”文艺汇演", None, None, None),
    ("诗歌音乐会", "普及部", 1, "“庆建党百年华诞·让世界倾听河南”暨第三届职工诗歌音乐会", None, None, None),
    ("警示教育片", "办公室", 3, "观看警示教育片（第{n}次）", None, None, None),
]

# the figures the demo year reaches, by metric id (they are the seed reports' figures)
EXPECTED_YEAR = {
    "centre_group_sessions": 20, "first_topic_sessions": 16, "collective_study_sessions": 26,
    "study_sessions": 31, "seminars": 7, "reading_classes": 7, "party_lectures": 4,
    "leader_party_lectures": 3, "oath_renewals": 6, "grassroots_talks": 14, "integrity_studies": 6,
    "branch_committee_meetings": 12, "branch_general_meetings": 2, "site_visits": 7,
}


@dataclass(frozen=True)
class Activity:
    on: date
    kind: str
    unit: str
    title: str
    speaker: str | None
    role: str | None
    participants: int | str | None
    first_topic: bool | None
    location: str = "机关三楼会议室"
    mode: str = "线下"


def plan_year(rng: random.Random) -> list[Activity]:
    """Every activity of the demo year, spread over the months."""
    activities = []
    for kind, unit, count, pattern, speaker, role, first_topic in PLAN:
        months = sorted(rng.sample(range(1, 13), count)) if count <= 12 else \
            sorted(list(range(1, 13)) + rng.sample(range(1, 13), count - 12))
        for n, month in enumerate(months, start=1):
            day = rng.randint(3, 27)
            activities.append(Activity(
                on=date(YEAR, month, day), kind=kind, unit=unit,
                title=pattern.format(n=n, m=month), speaker=speaker, role=role,
                participants=rng.randint(6, 60) if unit != "普及部" else rng.randint(45, 260),
                first_topic=first_topic,
                location="柘城县远襄镇董庄村" if kind == "重温入党誓词" else "机关三楼会议室",
            ))
    return sorted(activities, key=lambda a: (a.on, a.unit, a.title))


# ------------------------------------------------------------------ writing files

HEADERS = {  # canonical headers and a synonym set, as different units write them
    "canonical": ["序号", "活动日期", "活动类型", "活动名称", "组织单位", "主讲人", "主讲人职务", "参加人数",
                  "活动地点", "活动形式", "是否第一议题", "备注"],
    "synonyms": ["编号", "日期", "类型", "主题", "负责人", "职务", "人数", "地点", "形式", "第一议题", "说明"],
}


def _workbook(path: Path) -> xlsxwriter.Workbook:
    """A workbook whose bytes depend only on its content: re-running the demo changes nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": datetime(YEAR, 1, 1), "author": ORG})
    return book


def _date_text(day: date, style: int) -> str | date:
    return [day, f"{day.year}年{day.month}月{day.day}日", f"{day.year}/{day.month}/{day.day}",
            f"{day.year}.{day.month}.{day.day}", f"{day.month}月{day.day}日"][style]


def _fullwidth(n: int) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in str(n))


def _row(a: Activity, n: int, with_unit: bool, date_style: int, fullwidth: bool) -> list:
    participants = _fullwidth(a.participants) if fullwidth and isinstance(a.participants, int) else a.participants
    first = "是" if a.first_topic else None
    row = [n, _date_text(a.on, date_style) if a.on else None, a.kind, a.title]
    if with_unit:
        row.append(a.unit)
    return row + [a.speaker, a.role, participants, a.location, a.mode, first, None]


def write_ledger_xlsx(path: Path, unit: str, month: int, activities: list[Activity], variant: int,
                      filled_on: date) -> None:
    """An activity ledger workbook in one of the real-world layouts (variant 0–3)."""
    # variant 1 leaves the unit to the title rows, unless a row names another unit
    with_unit = variant != 1 or any(a.unit != unit for a in activities)
    headers = list(HEADERS["synonyms"] if variant == 1 else HEADERS["canonical"])
    if variant == 1 and with_unit:
        headers.insert(4, "部门")
    date_style = {0: 0, 1: 1, 2: 2, 3: 3}[variant]
    book = _workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    title_format = book.add_format({"bold": True, "align": "center", "font_size": 14})
    if variant == 3:
        book.add_worksheet("Sheet1")  # the empty first sheet people leave in
    if variant == 2:
        old = book.add_worksheet("旧表")  # a hidden sheet with stale rows that must not be read
        old.write_row(0, 0, HEADERS["canonical"])
        old.write_row(1, 0, [1, "2020-01-01", "集体学习", "旧数据（不应读入）", unit, None, None, 99])
        old.hide()
    sheet = book.add_worksheet("活动台账")
    sheet.activate()  # Excel cannot hide the active sheet
    r = 0
    if variant != 2:  # title rows above the header
        last = len(headers) - 1
        sheet.merge_range(0, 0, 0, last, f"{ORG}{unit}{YEAR}年{month}月学习活动台账", title_format)
        sheet.merge_range(1, 0, 1, last, f"填报单位：{unit}\u3000\u3000填报人：郑丽\u3000\u3000"
                                         f"填报日期：{filled_on.year}年{filled_on.month}月{filled_on.day}日")
        r = 2
    sheet.write_row(r, 0, headers)
    r += 1
    for n, a in enumerate(activities, start=1):
        row = _row(a, n, with_unit, date_style, fullwidth=variant == 1)
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
            elif value is not None:
                sheet.write(r, c, value)
        r += 1
        if variant == 3 and n == 1:
            r += 1  # a blank row in the middle
    if variant in (0, 3):
        sheet.write_row(r, 0, ["合计", None, None, f"共{len(activities)}项"])
        sheet.write(r, 7, sum(a.participants for a in activities if isinstance(a.participants, int)))
        sheet.write(r + 1, 0, "填表说明：活动类型请从下拉列表选择；参加人数填写实际到会人数。")
    book.close()


def write_ledger_csv(path: Path, unit: str, activities: list[Activity]) -> None:
    """A ledger saved as csv from Excel on a Chinese Windows: GBK, synonym headers, 3月5日 dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS["synonyms"][:4] + ["单位"] + HEADERS["synonyms"][4:])
    for n, a in enumerate(activities, start=1):
        writer.writerow(["" if v is None else v for v in _row(a, n, True, 4, fullwidth=False)])
    path.write_bytes(buffer.getvalue().encode("gbk"))


def write_register(path: Path) -> None:
    """The unit register (组织机构与班子) as the office keeps it."""
    book = _workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    units = book.add_worksheet("组织机构")
    units.write_row(0, 0, ["单位名称", "简称（别名）", "类型", "上级组织", "成立日期", "党员人数"])
    for r, row in enumerate(REGISTER_UNITS, start=1):
        for c, value in enumerate(row):
            if isinstance(value, date):
                units.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
            elif value is not None:
                units.write(r, c, value)
    roles = book.add_worksheet("领导职务")
    roles.write_row(0, 0, ["职务", "是否领导干部"])
    for r, row in enumerate(LEADER_ROLES, start=1):
        roles.write_row(r, 0, row)
    book.close()


def _set_mtime(path: Path, day: date) -> None:
    stamp = datetime(day.year, day.month, day.day, 9, 30).timestamp()
    os.utime(path, (stamp, stamp))


def write_demo_inbox(inbox: Path, seed: int = YEAR) -> list[Path]:
    """Write the demo year's submissions under `inbox`; returns the files written."""
    rng = random.Random(seed)
    activities = plan_year(rng)
    written: list[Path] = []

    register = inbox / f"组织机构与班子（{YEAR}年版）.xlsx"
    write_register(register)
    _set_mtime(register, date(YEAR, 1, 4))
    written.append(register)

    by_submission: dict[tuple[str, int], list[Activity]] = {}
    for a in activities:
        by_submission.setdefault((a.unit, a.on.month), []).append(a)

    bad_rows = {  # extra rows a person would get wrong; validation must hold each back
        ("机关第一党支部", 6): [
            Activity(date(YEAR, 6, 18), "其他", "机关第一党支部", "端午节慰问座谈", None, None, 20, None),
            Activity(date(YEAR, 6, 21), "集体学习", "财务科", "财务知识学习", None, None, 6, None),
            Activity(date(YEAR, 6, 24), "集体学习", "机关第一党支部", "集体学习《中国共产党简史》第五章（重复登记）",
                     None, None, -3, None),
        ],
        ("普及部", 9): [Activity(date(YEAR, 9, 20), "基层宣讲", "普及部", "社区宣讲（人数待统计）", None, None, "若干", None)],
    }

    for index, ((unit, month), rows) in enumerate(sorted(by_submission.items())):
        rows = rows + bad_rows.get((unit, month), [])
        filled_on = date(YEAR, month, 1) + timedelta(days=33)
        filled_on = date(filled_on.year, filled_on.month, rng.randint(1, 5))
        variant = index % 5
        folder = inbox / f"{YEAR}-{month:02d}" / unit if index % 2 else inbox
        if variant == 4:
            path = folder / f"{unit}{YEAR}年{month}月活动台账.csv"
            write_ledger_csv(path, unit, rows)
        else:
            path = folder / f"{unit}{YEAR}年{month}月学习活动台账.xlsx"
            if (unit, month) == ("机关第一党支部", 3):
                # first sent with a date missing; the 修改版 a week later fixes it
                broken = [replace(rows[0], on=None)] + rows[1:]
                write_ledger_xlsx(path, unit, month, broken, variant, filled_on)
                _set_mtime(path, filled_on)
                written.append(path)
                filled_on += timedelta(days=7)
                path = path.with_name(f"{unit}{YEAR}年{month}月学习活动台账（修改版）.xlsx")
            write_ledger_xlsx(path, unit, month, rows, variant, filled_on)
        _set_mtime(path, filled_on)
        written.append(path)
        if (unit, month) == ("办公室", 5):  # the same file saved twice
            copy = path.with_name(path.stem + " - 副本" + path.suffix)
            shutil.copy2(path, copy)
            written.append(copy)

    empty = inbox / f"{YEAR}-12" / "离退休干部党支部" / f"离退休干部党支部{YEAR}年12月学习台账.xlsx"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_bytes(b"")  # saved while Excel still had it open
    written.append(empty)
    return written
