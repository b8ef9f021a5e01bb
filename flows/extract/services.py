"""The exports real services write, as they write them: 问卷星 (wjx.cn), 腾讯问卷 (wj.qq.com) and
the 微信公众号 backend's detail export. One place for what tells them apart and for what
their cells mean beyond the contracts' headers.

- A service is recognised from its own columns; `raw.files` records which (`service`) and
  what kind of export (`export_kind`).
- Online forms: the platform's columns come first and are kept as metadata; questions are
  numbered (`1、`, `1.`) and may carry a type tag (`(单选题 *必答)`) or a drop-down suffix
  (`:请选择`), which `header_key` removes; `(空)` and `(跳过)` mean no answer; choice
  answers may keep their option letter (`A.集体学习`); a question of several parts repeats
  its header, and its parts are joined. A 问卷星 export downloaded 按序号 (choices as
  numbers) cannot be read faithfully and is refused.
- The 公众号 detail export has no platform, column or content type: the platform comes from
  the file name (or settings), the column from a `【栏目】` prefix of the title or the rules
  file's keywords, the type is 图文.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

WJX, TENCENT, WECHAT = "wjx", "tencent_wj", "wechat_mp"
SERVICE_LABELS = {WJX: "问卷星", TENCENT: "腾讯问卷", WECHAT: "微信公众号后台"}

# columns each platform puts before the questions (header keys), all kept as form metadata
WJX_COLUMNS = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
TENCENT_COLUMNS = ("编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省",
                   "地理位置市", "用户类型", "用户标识", "昵称", "自定义字段", "语言", "清洗数据结果",
                   "智能清洗数据无效概率", "IP", "UA", "Referrer", "中奖时间", "中奖金额", "审核状态")
OTHER_FORM_COLUMNS = ("提交时间", "填写设备", "用户ID")
FORM_SYSTEM_HEADERS = frozenset(WJX_COLUMNS + TENCENT_COLUMNS + OTHER_FORM_COLUMNS)
WECHAT_COLUMNS = ("内容标题", "发表时间", "总阅读人数", "总阅读次数", "总分享人数", "总分享次数", "阅读后关注人数",
                  "送达人数", "公众号消息阅读次数", "送达阅读率", "首次分享次数", "分享产生阅读次数", "首次分享率",
                  "每次分享带来阅读次数", "阅读完成率", "内容url")

NO_ANSWER = ("(空)", "（空）", "(跳过)", "（跳过）")
CHOICE_FIELDS = ("activity_type", "mode", "first_topic")  # answered by picking an option
_OPTION_LETTER = r"^[A-Z][.．、]\s*"
_BY_NUMBER = re.compile(r"^第\d+题[(（]|[(（]选项\d*[)）]$")
_TITLE_COLUMN = re.compile(r"^\s*【([^】]{1,20})】")
_ACCOUNT = re.compile(r"^(.+?(?:公众号|服务号|订阅号))")

BY_NUMBER_REFUSAL = ("这是问卷星“按序号”下载的答卷（选项以数字表示，多选题拆成0/1列），无法可靠还原为选项文字："
                     "请在问卷星“下载答卷数据”中选择“按选项文本下载”，把该文件重新放入收件箱")


@dataclass(frozen=True)
class Export:
    service: str       # wjx | tencent_wj | wechat_mp
    export_kind: str   # answers_by_text | answers_by_number | content_detail


def recognise(keys: set[str], raw_headers: list[str]) -> Export | None:
    """Which service wrote a sheet whose header row has these keys (`header_key`) and cells."""
    if {"内容标题", "发表时间", "总阅读次数"} <= keys:
        return Export(WECHAT, "content_detail")
    if {"开始答题时间", "结束答题时间", "答题时长"} <= keys or {"编号", "开始答题时间", "用户标识"} <= keys:
        return Export(TENCENT, "answers_by_text")
    if {"提交答卷时间", "所用时间"} <= keys and ({"来源", "来自IP"} & keys):
        by_number = any(_BY_NUMBER.search(re.sub(r"\s+", "", h)) for h in raw_headers if h)
        return Export(WJX, "answers_by_number" if by_number else "answers_by_text")
    return None


def clean_answers(column: pa.Array, choice: bool) -> pa.Array:
    """An online-form answer column: no-answer marks to null, option letters off choice answers."""
    column = pc.if_else(pc.is_in(pc.utf8_trim_whitespace(column), pa.array(NO_ANSWER)), pa.scalar(None, column.type),
                        column)
    if choice:
        column = pc.replace_substring_regex(column, _OPTION_LETTER, "")
    return column


def join_parts(parts: list[pa.Array]) -> pa.Array:
    """The answers to a question of several parts (one header repeated), joined by a space; a
    part left empty adds nothing. (Arrow's own null skipping in this join loses rows: pyarrow 26.)"""
    if len(parts) == 1:
        return parts[0]
    empty = pa.scalar("", parts[0].type)
    filled = [pc.utf8_trim_whitespace(pc.fill_null(part, empty)) for part in parts]
    joined = pc.binary_join_element_wise(*filled, pa.scalar(" ", parts[0].type))
    joined = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, r" {2,}", " "))
    return pc.if_else(pc.equal(joined, empty), pa.scalar(None, joined.type), joined)


def account_from_file_name(stem: str) -> str | None:
    """The 公众号 an export belongs to, from its file name (`网商社科公众号_…`)."""
    match = _ACCOUNT.match(stem)
    return match.group(1) if match else None


def column_of_title(title: str | None, keywords: dict[str, list[str]]) -> str | None:
    """A post's 栏目: a `【党史天天学】` prefix of its title, else the first column whose keyword it contains."""
    if not title:
        return None
    prefix = _TITLE_COLUMN.match(title)
    if prefix:
        return prefix.group(1)
    return next((column for column, words in keywords.items() if any(w in title for w in words)), None)
