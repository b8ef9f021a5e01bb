"""Files in the exact shapes real services export them (`flows/extract/services.py` reads them):
腾讯问卷 (CSV with a trailing comma, or the xlsx Excel re-saved), 问卷星 (the current and the
older column order, type-tagged headers, `(空)`/`(跳过)`, and a 按序号 download), and the
微信公众号 backend's detail export. The demo inbox holds one of each; tests write their own.

An answer row is (activity, submitted at): the activity's fields as a person picks and types
them into the form.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter


@dataclass(frozen=True)
class Answer:
    on: date
    kind: str            # the activity type as the option reads
    unit: str
    title: str
    speaker: str | None = None
    participants: int | None = None
    location: str | None = None
    mode: str = "线下"
    submitted_at: datetime | None = None

    def at(self) -> datetime:
        return self.submitted_at or datetime.combine(self.on + timedelta(days=1), datetime.min.time()) + timedelta(
            hours=7, minutes=40)


TENCENT_SYSTEM = ["编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省", "地理位置市",
                  "用户类型", "用户标识", "昵称", "自定义字段"]
TENCENT_NEWER = ["语言", "清洗数据结果", "智能清洗数据无效概率", "IP", "UA", "Referrer", "中奖时间", "中奖金额", "审核状态"]
TENCENT_QUESTIONS = ["1.活动名称", "2.活动日期", "3.活动类型:请选择", "4.组织单位:请选择", "5.主讲人", "6.参加人数",
                     "7.活动地点", "7.活动地点", "8.活动形式:请选择", "9.活动照片"]
OPTIONS = "ABCDEFGH"


def _option(choices: list[str], value: str) -> str:
    """An answer as a choice question exports it: its option letter, a dot, its text."""
    if value not in choices:
        choices.append(value)
    return f"{OPTIONS[choices.index(value) % len(OPTIONS)]}.{value}"


def _tencent_rows(answers: list[Answer], newer: bool, resaved: bool) -> list[list]:
    kinds, modes, rows = [], [], []
    for n, a in enumerate(answers, start=1):
        end = a.at()
        start = end - timedelta(seconds=247)
        stamp = (lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}") if resaved else (
            lambda t: t.strftime("%d-%b-%Y %H:%M:%S"))
        system = [n, stamp(start), stamp(end), 247, "中国", "河南", "郑州", "微信用户", f"\toV3x{n:06d}", "社科联用户", ""]
        if newer:
            system += ["中文", "有效", "0.02", f"183.192.16.{n % 250}", "Mozilla/5.0 (iPhone)", "", "", "", "审核通过"]
        photo = f'=Hyperlink("https://wj.qq.com/upload/{n}/a.jpg"，"活动照片{n}.jpg")'
        rows.append(system + [a.title, a.on.isoformat(), _option(kinds, a.kind), a.unit, a.speaker or "",
                              a.participants if a.participants is not None else "", a.location or "", "",
                              _option(modes, a.mode), photo])
    return rows


def write_tencent_csv(path: Path, answers: list[Answer], newer: bool = False, encoding: str = "utf-8-sig") -> Path:
    """腾讯问卷's CSV: UTF-8 with BOM (or GBK), every line ending in a comma."""
    header = TENCENT_SYSTEM + (TENCENT_NEWER if newer else []) + TENCENT_QUESTIONS
    lines = [header + [""]] + [row + [""] for row in _tencent_rows(answers, newer, resaved=False)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(lines)
    return path


def write_tencent_xlsx(path: Path, answers: list[Answer], newer: bool = True) -> Path:
    """腾讯问卷's export after Excel re-saved it: times as `2021/9/2 7:44`, all cells text."""
    header = TENCENT_SYSTEM + (TENCENT_NEWER if newer else []) + TENCENT_QUESTIONS
    return _xlsx(path, "Sheet1", [header] + _tencent_rows(answers, newer, resaved=True))


WJX_SYSTEM = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
WJX_SYSTEM_OLDER = ["序号", "提交答卷时间", "所用时间", "来自IP", "来源", "来源详情"]
WJX_QUESTIONS = ["1、活动名称", "2、活动日期", "3、活动类型", "4、组织单位", "5、主讲人", "6、参加人数", "7、活动地点",
                 "8、活动形式"]
WJX_TAGS = ["(填空题 *必答)", "(填空题 *必答)", "(单选题 *必答)", "(单选题 *必答)", "(填空题)", "(填空题)", "(填空题)",
            "(单选题)"]


def _wjx_rows(answers: list[Answer], older: bool, by_number: bool) -> list[list]:
    kinds, rows = [], []
    for n, a in enumerate(answers, start=1):
        at = a.at()
        ip = f"183.192.16.{n % 250}(河南-郑州)"
        system = [n, at.strftime("%Y/%m/%d %H:%M:%S"), f"{100 + n}秒"]
        system += [ip, "手机提交", "直接访问"] if older else ["手机提交", "直接访问", ip]
        if a.kind not in kinds:
            kinds.append(a.kind)
        kind = str(kinds.index(a.kind) + 1) if by_number else a.kind
        row = system + [a.title, a.on.isoformat(), kind, a.unit, a.speaker or "(跳过)",
                        a.participants if a.participants is not None else "(空)", a.location or "(空)", a.mode]
        if by_number:
            row += [1, 0]  # a multi-choice question as one 0/1 column per option
        rows.append(row)
    return rows


def write_wjx_xlsx(path: Path, answers: list[Answer], by_number: bool = False) -> Path:
    """问卷星's current export (按选项文本, or 按序号 with `by_number`)."""
    header = WJX_SYSTEM + WJX_QUESTIONS + (["第9题(选项1)", "第9题(选项2)"] if by_number else [])
    return _xlsx(path, "Sheet1", [header] + _wjx_rows(answers, older=False, by_number=by_number))


def write_wjx_csv(path: Path, answers: list[Answer], encoding: str = "gbk") -> Path:
    """问卷星's older export: 来自IP before 来源, type-tagged headers, GBK."""
    header = WJX_SYSTEM_OLDER + [f"{q} {tag}" for q, tag in zip(WJX_QUESTIONS, WJX_TAGS)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header] + _wjx_rows(answers, older=True, by_number=False))
    return path


WECHAT_HEADER = ["内容标题", "发表时间", "总阅读人数", "总阅读次数", "总分享人数", "总分享次数", "阅读后关注人数", "送达人数",
                 "公众号消息阅读次数", "送达阅读率", "首次分享次数", "分享产生阅读次数", "首次分享率", "每次分享带来阅读次数",
                 "阅读完成率", "内容url"]


def write_wechat_detail(path: Path, posts: list[tuple[date, str, int]]) -> Path:
    """The 公众号 backend's 下载数据明细 (已通知内容): (published on, title, reads) per post;
    发表时间 an 8-digit number, rates as decimals."""
    rows = [WECHAT_HEADER]
    for n, (published, title, reads) in enumerate(posts, start=1):
        people = max(1, reads * 4 // 5)
        rows.append([title, int(published.strftime("%Y%m%d")), people, reads, reads // 20, reads // 15, reads // 200,
                     12_000, reads // 2, round(reads / 24_000, 4), reads // 30, reads // 6, 0.0312, 1.73, 0.6532,
                     f"http://mp.weixin.qq.com/s?__biz=MzA{n:05d}"])
    return _xlsx(path, "Sheet1", rows)


def _xlsx(path: Path, sheet_name: str, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    book.set_properties({"created": datetime(2021, 1, 1)})  # bytes from the content alone: the same file twice is one
    sheet = book.add_worksheet(sheet_name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                sheet.write_number(r, c, value)
    book.close()
    return path
