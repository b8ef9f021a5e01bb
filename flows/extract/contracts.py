"""Source contracts: what each kind of sheet holds, under which headers, as which fields.

This is the one place that knows the canonical headers and their synonyms
(`../shared/spec/sources.md`). Warehouse column names come only from here, never from a
file's own headers. Adding a source means adding a contract, a suite and SQL models.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from flows.settings import PROJECT_ROOT

# kinds of value, each read by one normaliser (see normalise.py)
TEXT, DATE, INT, MONEY, BOOL, VOCAB = "text", "date", "int", "money", "bool", "vocab"


@dataclass(frozen=True)
class Field:
    name: str                 # warehouse column
    headers: tuple[str, ...]  # canonical header first, then synonyms
    kind: str = TEXT
    required: bool = False    # a sheet without this header is not of this kind
    from_title: str | None = None  # title-row label that may stand in for a missing column

    @property
    def keeps_raw(self) -> bool:
        """Parsed kinds keep the original cell text beside the value, in `<name>_raw`."""
        return self.kind != TEXT


@dataclass(frozen=True)
class Contract:
    name: str                # the kind of sheet, e.g. 'activity_ledger'
    source: str              # the kind of submission it belongs to
    table: str               # raw table its rows land in
    suite: str               # expectation suite that guards it
    fields: tuple[Field, ...]
    ignored_headers: tuple[str, ...] = ("序号", "编号")

    def columns(self) -> list[str]:
        """The record columns this contract produces, after the lineage columns."""
        out = []
        for f in self.fields:
            out.append(f.name)
            if f.keeps_raw:
                out.append(f"{f.name}_raw")
            if f.kind in (INT, MONEY):
                out.append(f"{f.name}_is_approx")
        return out


LINEAGE_COLUMNS = ["file_id", "sheet", "row_number"]

ACTIVITY_LEDGER = Contract(
    name="activity_ledger",
    source="activity_ledger",
    table="activity_rows",
    suite="activities",
    fields=(
        Field("activity_on", ("活动日期", "日期", "时间", "活动时间"), DATE, required=True),
        Field("activity_type", ("活动类型", "类型", "活动类别", "学习形式"), VOCAB, required=True),
        Field("title", ("活动名称", "活动主题", "主题", "名称", "学习内容"), required=True),
        Field("org_unit", ("组织单位", "主办单位", "单位", "部门", "填报单位"), from_title="填报单位"),
        Field("speaker", ("主讲人", "主持人", "负责人", "领学人")),
        Field("speaker_role", ("主讲人职务", "职务")),
        Field("participants", ("参加人数", "人数", "参会人数", "参与人数"), INT),
        Field("location", ("活动地点", "地点")),
        Field("mode", ("活动形式", "形式")),
        Field("first_topic", ("是否第一议题", "第一议题"), BOOL),
        Field("notes", ("备注", "说明")),
    ),
)

REGISTER_UNITS = Contract(
    name="register_units",
    source="unit_register",
    table="register_units",
    suite="register_units",
    fields=(
        Field("unit_name", ("单位名称", "名称", "组织名称"), required=True),
        Field("aliases", ("简称（别名）", "简称", "别名", "简称(别名)")),
        Field("unit_type", ("类型", "组织类型"), required=True),
        Field("parent_name", ("上级组织", "上级单位")),
        Field("established_on", ("成立日期", "成立时间"), DATE),
        Field("member_count", ("党员人数",), INT),
    ),
)

REGISTER_ROLES = Contract(
    name="register_roles",
    source="unit_register",
    table="register_roles",
    suite="register_roles",
    fields=(
        Field("role", ("职务", "职务名称"), required=True),
        Field("is_leader", ("是否领导干部", "领导干部"), BOOL, required=True),
    ),
)

CONTRACTS = (REGISTER_UNITS, REGISTER_ROLES, ACTIVITY_LEDGER)
SOURCE_LABELS = {"unit_register": "组织机构名册", "activity_ledger": "活动台账"}
# the register comes first in a run: every other source resolves its units against it
SOURCE_ORDER = ("unit_register", "activity_ledger")


_QUESTION_NUMBER = re.compile(r"^(Q?\d+[、.．:：)）]\s*)", re.IGNORECASE)


def header_key(text: str | None) -> str:
    """A header cell as compared: no spaces, no leading question number (`1、`, `Q1.`), no `*`."""
    if not text:
        return ""
    text = re.sub(r"[\s\u3000]+", "", str(text))
    text = _QUESTION_NUMBER.sub("", text)
    return text.strip("*＊")


@cache
def vocabulary(suite: str, column: str) -> dict[str, str]:
    """Synonym → canonical value for a column, from its suite's in-set expectation.

    The suite JSON is the single source of truth for vocabularies: the canonical values are
    the expectation's `value_set`, the synonyms its `meta.synonyms`.
    """
    data = json.loads((PROJECT_ROOT / "expectations" / f"{suite}.json").read_text(encoding="utf-8"))
    for expectation in data["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_column_values_to_be_in_set" and kwargs["column"] == column:
            mapping = {value: value for value in kwargs["value_set"]}
            mapping.update(expectation.get("meta", {}).get("synonyms", {}))
            return mapping
    raise KeyError(f"suite {suite} has no vocabulary for {column}")
