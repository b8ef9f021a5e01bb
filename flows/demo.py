"""The demo inbox: a fictional unit's year (2021) of submissions, as people really send them.

Deterministic (seeded). Activities, practical matters, publicity, aid and the other ledgers are planned so that
the year's figures are the ones the seed reports state (中心组学习20次, "第一议题"16次, 集体学习26次, 研讨交流7次, 专题读书班7期,
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

from flows.demo_exports import Answer, write_tencent_csv, write_wechat_detail, write_wjx_csv, write_wjx_xlsx
from flows.extract.layout import find_date_in_name

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
    ("市哲学学会", None, "直属学会", None, None, None),
    ("市社会学学会", None, "直属学会", None, None, None),
    ("市文学研究会", None, "直属学会", None, None, None),
    ("市教育学会", None, "直属学会", None, None, None),
    ("市民俗文化研究会", None, "直属学会", None, None, None),
    ("市企业文化研究会", None, "直属学会", None, None, None),
    ("市青年研究会", None, "直属学会", None, None, None),
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


# where the site visits (参观学习, written 红色教育 by one branch) went, in order
SITES = {"红色教育": ["新县大别山鄂豫皖革命根据地", "罗山县何家冲红25军长征出发地", "永城市陈官庄烈士陵园", "宁陵县柳河破击战纪念园"],
         "参观学习": ["许世友将军故里", "鲁雨亭烈士纪念馆", "石桥镇老坚决红色教育基地"]}


def _location(kind: str, n: int) -> str:
    if kind in SITES:
        return SITES[kind][n - 1]
    return "柘城县远襄镇董庄村" if kind == "重温入党誓词" else "机关三楼会议室"


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
                location=_location(kind, n),
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


def write_register(path: Path, unit_rows: list[tuple] = REGISTER_UNITS) -> None:
    """The unit register (组织机构与班子) as the office keeps it (rows as in REGISTER_UNITS)."""
    book = _workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    units = book.add_worksheet("组织机构")
    units.write_row(0, 0, ["单位名称", "简称（别名）", "类型", "上级组织", "成立日期", "党员人数"])
    for r, row in enumerate(unit_rows, start=1):
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

    written += write_form_exports(inbox, activities)
    written += write_matters(inbox)
    written += write_publicity(inbox, random.Random(seed + 1))
    written.append(write_aid(inbox))
    written += write_other_ledgers(inbox)
    return written


def write_form_exports(inbox: Path, activities: list[Activity]) -> list[Path]:
    """The online-form exports of the year, one in each real shape (flows/demo_exports.py):
    branches that also report their meetings through a form, so each activity is counted once;
    and a 问卷星 download 按序号, which is refused with what to download instead."""
    def answers(kind: str, unit: str, count: int) -> list[Answer]:
        chosen = [a for a in activities if a.kind == kind and a.unit == unit][:count]
        return [Answer(a.on, a.kind, a.unit, a.title, a.speaker, a.participants, a.location, a.mode) for a in chosen]

    folder = inbox / "在线填报"
    written = [
        write_tencent_csv(folder / "腾讯问卷_支部活动登记_20210331.csv", answers("支委会", "机关第一党支部", 3)),
        write_wjx_xlsx(folder / "问卷星_支部活动登记_20210630.xlsx", answers("主题党日", "机关第一党支部", 6)),
        write_wjx_csv(folder / "问卷星_离退休党支部学习登记_20211231.csv", answers("集中学习", "离退休干部党支部", 4)),
        write_wjx_xlsx(folder / "问卷星_支部活动登记_按序号_20210630.xlsx", answers("主题党日", "机关第一党支部", 6),
                       by_number=True),
    ]
    for path in written:
        _set_mtime(path, find_date_in_name(path.stem))
    return written


# ------------------------------------------------------------------ the other sources

MATTERS = [  # matter, unit, due, done on (None: in progress), beneficiaries
    ("2020年度哲学规划课题结项评审", "规划办", date(YEAR, 4, 30), date(YEAR, 4, 26), 120),
    ("2021年度哲学规划课题立项评审", "规划办", date(YEAR, 6, 30), date(YEAR, 6, 18), 150),
    ("XX市第一届优秀社科专家评选", "学会部", date(YEAR, 9, 30), date(YEAR, 9, 28), 60),
    ("全市社科理论界庆祝建党100周年理论研讨会", "研究室", date(YEAR, 6, 30), date(YEAR, 6, 25), 200),
    ("全市社科理论界学习宣传贯彻党的十九届六中全会精神研讨会", "研究室", date(YEAR, 12, 20), None, None),
]


def write_matters(inbox: Path) -> list[Path]:
    """学会部's cumulative 办实事 list, sent in June and again (restating every matter) in December."""
    written = []
    for month in (6, 12):
        path = inbox / f"学会部-{YEAR}.{month:02d}-办实事清单.xlsx"
        book = _workbook(path)
        sheet = book.add_worksheet("办实事清单")
        sheet.write(0, 0, "“我为群众办实事”实践活动清单")
        sheet.write_row(1, 0, ["序号", "事项名称", "类别", "责任部门", "计划完成时间", "完成情况", "完成时间", "受益人数"])
        end = date(YEAR, month, 28)
        for r, (matter, unit, due, done, people) in enumerate(MATTERS, start=2):
            finished = done is not None and done <= end
            sheet.write_row(r, 0, [r - 1, matter, "服务社科工作者", unit, due.isoformat(),
                                   "已完成" if finished else "推进中", done.isoformat() if finished else "",
                                   people if finished else ""])
        book.close()
        _set_mtime(path, end)
        written.append(path)
    return written


def _spread(rng: random.Random, total: int, parts: int, low: int) -> list[int]:
    """`parts` whole numbers of at least `low` that add up to `total`."""
    cuts = sorted(rng.sample(range(1, total - parts * low), parts - 1))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [total - parts * low])]
    return [size + low for size in sizes]


def publicity_items(rng: random.Random) -> list[list]:
    """The year's posts of the 网商社科 account: published on, title, column, type, reads at year end, picked up by."""
    items = []  # published_on, title, column, type, reads at year end, picked up by
    history = ["党史天天学", "黄河故道", "黄河文化", "乡村振兴"]
    for kind, count, reads in (("图文", 75, 2_212_345), ("短视频", 54, 1_800_000)):
        for n, value in enumerate(_spread(rng, reads, count, 2_000), start=1):
            column = history[0] if kind == "图文" and n % 3 else rng.choice(history)
            title = f"党史天天学｜百年党史每日一课（{n}）" if kind == "图文" else f"短视频｜红色故事我来讲（{n}）"
            items.append([date(YEAR, 3, 1) + timedelta(days=(n * 4) % 290), title, column, kind, value, None])
    items[10][1], items[10][5] = "XX市社科联举行新时代文明实践志愿服务理论宣讲活动", "人民日报、河南日报"
    items[80][1], items[80][5] = "游黄河故道——慕逍遥古风", "河南学习强国平台"
    for kind, count, reads in (("图文", 37, 40_000), ("短视频", 10, 8_300)):
        for n, value in enumerate(_spread(rng, reads, count, 100), start=1):
            title = f"疫情防控｜科学防护知识（{n}）" if kind == "图文" else f"疫情防控宣传短视频（{n}）"
            items.append([date(YEAR, 1, 5) + timedelta(days=n * 7 % 330), title, "疫情防控", kind, value, None])
    for n in range(1, 13):
        items.append([date(YEAR, n, 15), f"社科动态（{n}）", "社科动态", "图文", 300 + n * 17, None])
    items.sort(key=lambda item: item[0])
    return items


def write_publicity(inbox: Path, rng: random.Random) -> list[Path]:
    """Two exports of the 网商社科 account: September (a snapshot) and the year's end; and the
    公众号 backend's own detail export of June (an earlier snapshot of its 图文 posts)."""
    items = publicity_items(rng)
    june = date(YEAR, 6, 30)
    detail = write_wechat_detail(inbox / f"网商社科公众号_已通知内容_{june:%Y%m%d}.xlsx",
                                 [(published, title, reads // 2) for published, title, _, kind, reads, _ in items
                                  if kind == "图文" and published <= june])
    _set_mtime(detail, june)
    written = [detail]
    for exported_on in (date(YEAR, 9, 30), date(YEAR, 12, 31)):
        path = inbox / f"网商社科公众号_内容导出_{exported_on.isoformat()}.xlsx"
        book = _workbook(path)
        time_format = book.add_format({"num_format": "yyyy-mm-dd h:mm:ss"})
        sheet = book.add_worksheet("内容数据")
        sheet.write(0, 0, "网商社科公众号内容数据导出")
        sheet.write(1, 0, f"导出时间：{exported_on.isoformat()}")
        sheet.write_row(2, 0, ["发布时间", "标题", "栏目", "内容类型", "阅读数", "转载采用", "平台"])
        r = 3
        for published, title, column, kind, reads, picked in items:
            if published > exported_on:
                continue
            # an earlier snapshot saw fewer reads; the year-end export has them all
            seen = reads if exported_on.month == 12 else reads * 2 // 3
            sheet.write_datetime(r, 0, datetime(published.year, published.month, published.day, 18, 30), time_format)
            # platforms cap what they show at 10万+; only the September snapshot had such items
            shown = "10万+" if seen >= 100_000 and exported_on.month != 12 else seen
            sheet.write_row(r, 1, [title, column, kind, shown, picked or "",
                                   "网商社科公众号"])
            r += 1
        book.close()
        _set_mtime(path, exported_on)
        written.append(path)
    return written


AID_HEADER = ["日期", "类型", "对象", "户数", "金额（元）", "物资名称", "数量", "单位", "物资价值（元）", "组织单位", "地点", "场景"]


def write_aid(inbox: Path) -> Path:
    """The year's visits, donations and aid, as the office keeps them."""
    rows = []
    for n, (month, households) in enumerate(zip((3, 4, 5, 6, 9, 11), (4, 5, 3, 4, 4, 4)), start=1):
        rows.append([date(YEAR, month, 5), "走访慰问", "困难党员、老党员", households, None, None, None, None, None,
                     "机关第一党支部", "董庄村", "“三·五”基层工作日"])
    for month, households, value in ((2, 12, 2100), (9, 11, 1630), (12, 12, 1500)):
        rows.append([date(YEAR, month, 8), "走访慰问", "困难群众和困难党员", households, None, "米面粮油", households, "份",
                     value, "办公室", "董庄村", "驻村帮扶"])
    for day, item, quantity, unit in ((20, "空调", 2, "台"), (21, "办公桌椅", 6, "套"), (22, "垃圾桶", 50, "个"),
                                      (23, "路灯", 60, "盏"), (24, "绿化树木", 107, "株")):
        rows.append([date(YEAR, 5, day), "捐物", "帮扶村", None, None, item, quantity, unit, None, "办公室", "董庄村", "驻村帮扶"])
    rows.append([date(YEAR, 4, 30), "捐款", "帮扶村", None, "1万元", None, None, None, None, "市社科联党总支", "董庄村", "驻村帮扶"])
    for society, value in (("市心理咨询师协会", 300_000), ("市义工联", 260_000), ("市市场营销协会", 240_000)):
        rows.append([date(YEAR, 7, 25), "捐物", "受灾群众", None, None, "橡皮艇、救生衣、救生圈、救援绳", None, None, value,
                     society, "新乡市", "抗洪救灾"])
    rows.append([date(YEAR, 7, 26), "捐款", "受灾群众", None, "10000", None, None, None, None, "市义工联", "新乡市", "抗洪救灾"])
    societies = [u[0] for u in REGISTER_UNITS if u[2] == "直属学会"][:12]
    for n, society in enumerate(societies):
        kind = ("志愿服务", "心理援助", "走访慰问")[n % 3]
        rows.append([date(YEAR, 1 + n % 2, 10 + n), kind, "医务人员" if kind == "走访慰问" else "社区群众", None, None, None,
                     None, None, None, society, "XX市", "疫情防控"])
    rows.sort(key=lambda row: row[0])
    path = inbox / f"帮扶慰问与捐赠登记表（{YEAR}年）.xlsx"
    book = _workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("帮扶慰问捐赠")
    sheet.write(0, 0, f"{ORG}{YEAR}年帮扶慰问与捐赠登记表")
    sheet.write_row(1, 0, AID_HEADER)
    for r, row in enumerate(rows, start=2):
        sheet.write_datetime(r, 0, datetime(row[0].year, row[0].month, row[0].day), date_format)
        for c, value in enumerate(row[1:], start=1):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    _set_mtime(path, date(YEAR, 12, 31))
    return path


def _simple_sheet(path: Path, title: str, header: list[str], rows: list[list]) -> Path:
    book = _workbook(path)
    sheet = book.add_worksheet(title)
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, header)
    for r, row in enumerate(rows, start=2):
        sheet.write_row(r, 0, [v.isoformat() if isinstance(v, date) else v for v in row])
    book.close()
    _set_mtime(path, date(YEAR, 12, 31))
    return path


def write_other_ledgers(inbox: Path) -> list[Path]:
    """智库专报, 社科普及进校园, 党员发展 and 学习资料 ledgers for the year."""
    think_tank = [[f"{YEAR}年第{n}期", title, date(YEAR, month, 14), leader] for n, (title, month, leader) in enumerate((
        ("以物业精细化服务提升我市居民获得感", 5, "市委副书记、市长"),
        ("创客小镇对XX乡村振兴的启示", 7, "市人大常委会主任"),
        ("把握大势 乘势而上，XX区域性中心城市建设升级换挡的思考", 9, "市委副书记、市长"),
        ("关于推动党的理论宣传教育大众化、通俗化、时代化研究", 11, "市委常委、宣传部部长")), start=1)]
    schools = ["XX工学院", "XX职业技术学院", "XX市第一中学", "XX师范学院", "XX市实验中学"]
    audiences = [15_000, 13_000, 12_120, 14_000, 10_000]
    outreach = [[date(YEAR, 4 + n, 12), school, audience] for n, (school, audience) in enumerate(zip(schools, audiences))]
    development = [["李明", "机关第一党支部", date(YEAR, 6, 10), "入党积极分子", "13800001234"],
                   ["赵敏", "机关第二党支部", date(YEAR - 1, 11, 3), "发展对象", "13900005678"]]
    books = ["《论中国共产党历史》", "《习近平新时代中国特色社会主义思想学习问答》", "《中国共产党简史》",
             "《中国共产党的100年》", "《中华人民共和国简史》", "《改革开放简史》", "《社会主义发展简史》",
             "《毛泽东 邓小平 江泽民 胡锦涛关于中国共产党历史论述摘编》", "《习近平谈治国理政》第三卷",
             "《习近平关于中国共产党历史论述摘编》", "《中国共产党党史学习教育读本》", "《党史上的今天》",
             "《红色家书》", "《中国共产党的九十年》", "《党的十九届六中全会决议》", "《伟大建党精神》"]
    reading = [[title, 60, date(YEAR, 3 + n % 6, 1)] for n, title in enumerate(books)]
    return [
        _simple_sheet(inbox / f"智库专报报送台账{YEAR}.xlsx", "智库专报", ["期数", "标题", "报送日期", "批示领导"], think_tank),
        _simple_sheet(inbox / f"普及部{YEAR}年社科普及进校园台账.xlsx", "进校园", ["日期", "学校/场所", "受众人次"], outreach),
        _simple_sheet(inbox / f"机关第一党支部{YEAR}年党员发展台账.xlsx", "党员发展",
                      ["姓名", "支部", "确定日期", "阶段", "联系电话"], development),
        _simple_sheet(inbox / f"办公室{YEAR}年学习资料发放台账.xlsx", "学习资料", ["书名", "数量", "发放日期"], reading),
    ]
