"""Source contracts: what each kind of sheet holds, under which headers, as which fields.

This is the one place that knows the canonical headers and their synonyms
(`../shared/spec/sources.md`). Warehouse column names come only from here, never from a
file's own headers. Adding a source means adding a contract, a suite and SQL models.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from flows.settings import PROJECT_ROOT

# kinds of value, each read by one normaliser (see normalise.py)
TEXT, DATE, DATETIME, INT, MONEY, BOOL, VOCAB = "text", "date", "datetime", "int", "money", "bool", "vocab"
SQL_TYPES = {TEXT: "varchar", VOCAB: "varchar", DATE: "date", DATETIME: "timestamp", INT: "bigint",
             MONEY: "decimal(18, 2)", BOOL: "boolean"}


@dataclass(frozen=True)
class Field:
    name: str                 # warehouse column
    headers: tuple[str, ...]  # canonical header first, then synonyms
    kind: str = TEXT
    required: bool = False    # a sheet without this header is not of this kind
    from_title: str | None = None  # title-row label that may stand in for a missing column
    label: str | None = None  # what a person calls it, when no header names it

    @property
    def title(self) -> str:
        return self.label or self.headers[0]

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
    label: str               # what a person calls it
    fields: tuple[Field, ...]
    period_field: str | None = None      # the date that must fall within the submission's period
    duplicate_key: tuple[str, ...] = ()  # fields that make two rows of one submission the same row

    def column_types(self) -> dict[str, str]:
        """The record columns this contract produces (after the lineage columns) and their SQL types."""
        out = {}
        for f in self.fields:
            out[f.name] = SQL_TYPES[f.kind]
            if f.keeps_raw:
                out[f"{f.name}_raw"] = "varchar"
            if f.kind in (INT, MONEY):
                out[f"{f.name}_is_approx"] = "boolean"
        return out

    def columns(self) -> list[str]:
        return list(self.column_types())


LINEAGE_COLUMNS = ["file_id", "sheet", "row_number"]

ACTIVITY_LEDGER = Contract(
    name="activity_ledger",
    source="activity_ledger",
    table="activity_rows",
    suite="activities",
    label="活动台账原始行 / Activity rows (ledgers, Word forms, online forms) as read",
    period_field="activity_on",
    duplicate_key=("activity_on", "activity_type", "title", "org_unit"),
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
        Field("participant_names", ("参加人员", "参会人员")),            # Word forms
        Field("content", ("活动内容", "主要内容")),                      # Word forms
        Field("outcome", ("活动成效", "成效")),                          # Word forms
        Field("submitted_at", ("提交答卷时间", "提交时间", "结束答题时间"), DATETIME),   # online-form exports
        Field("form_metadata", (), label="在线表单系统字段"),  # JSON, filled by the extractor
    ),
)

REGISTER_UNITS = Contract(
    name="register_units",
    source="unit_register",
    table="register_units",
    suite="register_units",
    label="组织机构名册原始行 / Unit register rows as read",
    duplicate_key=("unit_name",),
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
    label="领导职务原始行 / Leader-role rows of the unit register as read",
    duplicate_key=("role",),
    fields=(
        Field("role", ("职务", "职务名称"), required=True),
        Field("is_leader", ("是否领导干部", "领导干部"), BOOL, required=True),
    ),
)

PRACTICAL_MATTERS = Contract(
    name="practical_matters",
    source="practical_matters",
    table="matter_rows",
    suite="matters",
    label="“我为群众办实事”清单原始行 / Practical-matters list rows as read",
    duplicate_key=("matter", "org_unit"),
    fields=(
        Field("matter", ("事项名称", "实事名称", "项目名称"), required=True),
        Field("category", ("类别", "事项类别")),
        Field("org_unit", ("责任部门", "牵头部门", "责任单位"), from_title="填报单位"),
        Field("owner", ("责任人", "负责人")),
        Field("due_on", ("计划完成时间", "计划时间", "完成时限"), DATE),
        Field("status", ("完成情况", "进展情况", "状态"), VOCAB, required=True),
        Field("done_on", ("完成时间", "实际完成时间"), DATE),
        Field("beneficiaries", ("受益人数", "受益群众"), INT),
        Field("outcome", ("成效", "成效简述", "主要成效")),
    ),
)

PUBLICITY_LOG = Contract(
    name="publicity_log",
    source="publicity_log",
    table="publicity_rows",
    suite="publicity",
    label="宣传发布登记原始行 / Publicity log rows (platform exports) as read",
    duplicate_key=("published_on", "title", "platform"),
    fields=(
        Field("published_on", ("发布日期", "发布时间", "日期", "发表时间"), DATE, required=True),
        Field("title", ("标题", "文章标题", "作品名称", "内容标题"), required=True),
        Field("platform", ("平台", "发布平台", "账号")),
        Field("column_name", ("栏目", "专栏", "话题")),
        Field("content_type", ("内容类型", "类型", "形式"), VOCAB),
        Field("reads", ("阅读量", "阅读数", "浏览量", "播放量", "总阅读次数"), INT),
        Field("picked_up_by", ("转载采用", "被转载", "采用媒体")),
    ),
)

AID_LOG = Contract(
    name="aid_log",
    source="aid_log",
    table="aid_rows",
    suite="aid",
    label="帮扶慰问与捐赠登记原始行 / Visits, donations and aid rows as read",
    period_field="event_on",
    duplicate_key=("event_on", "kind", "recipient", "org_unit", "item", "amount_yuan"),
    fields=(
        Field("event_on", ("日期", "时间"), DATE, required=True),
        Field("kind", ("类型", "帮扶类型"), VOCAB, required=True),
        Field("recipient", ("对象", "慰问对象", "受助对象"), required=True),
        Field("households", ("户数", "户"), INT),
        Field("amount_yuan", ("金额（元）", "金额", "捐款金额"), MONEY),
        Field("item", ("物资名称", "物资")),
        Field("quantity", ("数量", "物资数量"), INT),
        Field("item_unit", ("单位", "计量单位")),  # before org_unit: a bare 单位 here is the measure
        Field("item_value_yuan", ("物资价值（元）", "物资价值", "折合金额"), MONEY),
        Field("org_unit", ("组织单位", "部门", "单位"), from_title="填报单位"),
        Field("place", ("地点", "村", "帮扶村")),
        Field("context", ("场景", "活动场景", "背景")),
    ),
)

THINK_TANK = Contract(
    name="think_tank",
    source="think_tank",
    table="think_tank_rows",
    suite="think_tank",
    label="《智库决策参考》报送台账原始行 / Think-tank report issues as read",
    period_field="submitted_on",
    duplicate_key=("issue_no",),
    fields=(
        Field("issue_no", ("期数", "期号"), required=True),
        Field("title", ("标题", "题目"), required=True),
        Field("submitted_on", ("报送日期", "报送时间"), DATE, required=True),
        Field("instructed_by", ("批示领导", "批示情况")),
    ),
)

OUTREACH = Contract(
    name="outreach",
    source="outreach",
    table="outreach_rows",
    suite="outreach",
    label="社科普及进校园台账原始行 / Outreach (exhibition visits) rows as read",
    period_field="visited_on",
    duplicate_key=("visited_on", "venue"),
    fields=(
        Field("visited_on", ("日期", "时间", "活动日期"), DATE, required=True),
        Field("venue", ("学校/场所", "学校", "场所", "学校（场所）"), required=True),
        Field("audience", ("受众人次", "受众人数", "人次"), INT, required=True),
    ),
)

PARTY_DEVELOPMENT = Contract(
    name="party_development",
    source="party_development",
    table="development_rows",
    suite="development",
    label="党员发展台账原始行（含个人信息） / Party development rows as read (personal data)",
    # no period rule: the ledger lists everyone on the way, with the dates they were decided on
    duplicate_key=("person_name", "stage"),
    fields=(
        Field("person_name", ("姓名",), required=True),
        Field("branch", ("支部", "所在支部", "所在党支部"), required=True),
        Field("decided_on", ("确定日期", "确定时间"), DATE, required=True),
        Field("stage", ("阶段", "发展阶段"), VOCAB, required=True),
        Field("phone", ("联系电话", "电话", "手机")),
    ),
)

READING_MATERIALS = Contract(
    name="reading_materials",
    source="reading_materials",
    table="reading_rows",
    suite="reading",
    label="学习资料发放台账原始行 / Reading materials handed out, as read",
    period_field="handed_out_on",
    duplicate_key=("book_title", "handed_out_on"),
    fields=(
        Field("book_title", ("书名", "资料名称"), required=True),
        Field("quantity", ("数量", "发放数量"), INT, required=True),
        Field("handed_out_on", ("发放日期", "发放时间"), DATE, required=True),
    ),
)

CONTRACTS = (REGISTER_UNITS, REGISTER_ROLES, ACTIVITY_LEDGER, PRACTICAL_MATTERS, PUBLICITY_LOG, AID_LOG,
             THINK_TANK, OUTREACH, PARTY_DEVELOPMENT, READING_MATERIALS)
SOURCE_LABELS = {
    "unit_register": "组织机构名册", "activity_ledger": "活动台账", "online_form": "在线填报导出",
    "practical_matters": "办实事清单", "publicity_log": "宣传发布登记", "aid_log": "帮扶慰问与捐赠登记",
    "think_tank": "智库专报台账", "outreach": "社科普及台账", "party_development": "党员发展台账",
    "reading_materials": "学习资料台账",
}


_QUESTION_NUMBER = re.compile(r"^(Q?\d+[、.．:：)）]\s*)", re.IGNORECASE)
# what online forms add to a question: a type tag (问卷星: `(单选题 *必答)`), a drop-down's `:请选择` (腾讯问卷)
_QUESTION_SUFFIX = re.compile(r"([(（][^()（）]*(?:题|必答|选填)[^()（）]*[)）]|[:：]请选择)$")


@lru_cache(maxsize=50_000)
def header_key(text: str | None) -> str:
    """A header cell as compared: no spaces, no leading question number (`1、`, `Q1.`), no
    online-form suffix (`(填空题 *必答)`, `:请选择`), no `*`."""
    if not text:
        return ""
    text = re.sub(r"[\s\u3000]+", "", str(text))
    text = _QUESTION_NUMBER.sub("", text)
    text = _QUESTION_SUFFIX.sub("", text)
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
