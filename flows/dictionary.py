"""The data dictionary: a Chinese and English COMMENT on every table, view, macro and column.

The words come from three places, each said once: `warehouse/dictionary.json` (Chinese names
of models, and what each column name means — the same in every table), the first sentence of
each model's leading comment in `sql/` (English), and the source contracts for the raw record
tables. `apply_comments` writes them into the warehouse on every build; `markdown` prints
them back for analysts (`taizhang dictionary`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import duckdb

from flows.contracts import CONTRACTS
from flows.settings import PROJECT_ROOT

DICTIONARY = PROJECT_ROOT / "warehouse" / "dictionary.json"
SCHEMAS = ("raw", "staging", "core", "marts", "metrics")


@cache
def _words() -> dict:
    return json.loads(DICTIONARY.read_text(encoding="utf-8"))


def model_summary(model: Path) -> str:
    """The first sentence of a model's leading comment: what one row means."""
    lines = []
    for line in model.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.lstrip("-").strip())
    text = " ".join(lines)
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".")


def _model_comments(sql_dir: Path) -> dict[str, str]:
    zh = _words()["models"]
    out = {f"raw.{c.table}": c.label for c in CONTRACTS}
    for model in sorted(sql_dir.glob("*/*.sql")):
        name = f"{model.parent.name}.{model.stem}"
        out[name] = f"{zh.get(name, '')} / {model_summary(model)}"
    return out


def _field_words() -> dict[str, tuple[str, str]]:
    """Column name → (Chinese, English) for every field a contract names."""
    return {f.name: (f.title, f.name.replace("_", " ")) for c in CONTRACTS for f in c.fields}


def column_comment(table: str, column: str) -> str | None:
    """The comment of one column, or None when the dictionary does not know the name."""
    columns = _words()["columns"]
    fields = _field_words()
    contract = next((c for c in CONTRACTS if f"raw.{c.table}" == table), None)
    if contract is not None:
        own = {f.name: f for f in contract.fields}
        if column in own:
            f = own[column]
            return f"{f.title} / {f.name} ({f.kind})"
    if column in columns:
        return columns[column]
    for suffix, zh, en in (("_raw", "（原文）", "original cell text of {}"),
                           ("_is_approx", "是否约数", "{} was written as approximate (约30, 30余)")):
        base = column.removesuffix(suffix)
        if base != column:
            known = columns.get(base)
            title = known.split(" / ")[0] if known else fields.get(base, (None,))[0]
            if title:
                return f"{title}{zh} / {en.format(base)}"
    if column in fields:
        title, english = fields[column]
        return f"{title} / {english}"
    return None


def _objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """(kind, schema.name, SQL kind for COMMENT ON, current comment) of every warehouse object."""
    schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
    return con.execute(f"""
        select 'table', schema_name || '.' || table_name, 'table', comment from duckdb_tables()
         where schema_name in ({schemas}) and database_name = current_database()
        union all
        select 'view', schema_name || '.' || view_name, 'view', comment from duckdb_views()
         where schema_name in ({schemas}) and database_name = current_database() and not internal
        union all
        select distinct function_type, schema_name || '.' || function_name,
               case function_type when 'table_macro' then 'macro table' else 'macro' end, comment
          from duckdb_functions()
         where schema_name in ({schemas}) and database_name = current_database()
           and function_type in ('macro', 'table_macro')
        order by 2""").fetchall()


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
    return con.execute(f"""
        select schema_name || '.' || table_name, column_name, data_type, comment from duckdb_columns()
         where schema_name in ({schemas}) and database_name = current_database()
         order by schema_name, table_name, column_index""").fetchall()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> None:
    """Write every known comment that is not already in place (views lose theirs when rebuilt)."""
    models = _model_comments(sql_dir)
    for _kind, name, sql_kind, current in _objects(con):
        wanted = models.get(name)
        if wanted and wanted != current:
            con.execute(f"comment on {sql_kind} {name} is {_quote(wanted)}")
    for table, column, _type, current in _columns(con):
        wanted = column_comment(table, column)
        if wanted and wanted != current:
            con.execute(f'comment on column {table}."{column}" is {_quote(wanted)}')


def markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The data dictionary as Markdown: each schema, its objects, and their columns."""
    columns: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, data_type, comment in _columns(con):
        columns.setdefault(table, []).append((column, data_type, comment))
    kinds = {"table": "表 / table", "view": "视图 / view", "table_macro": "表宏 / table macro",
             "macro": "宏 / macro"}
    out = ["# taizhang 数据字典 / data dictionary", "",
           "每个表、视图和宏的含义，以及每一列的含义。/ What each table, view and macro holds, "
           "and what each column means. Macros take `start_on`, `end_on` and `scope` "
           "(see `taizhang metrics --explain`).", ""]
    schema = None
    for kind, name, _sql_kind, comment in _objects(con):
        if name.split(".")[0] != schema:
            schema = name.split(".")[0]
            out += [f"## {schema}", ""]
        out += [f"### `{name}` — {kinds[kind]}", "", comment or "", ""]
        if name in columns:
            out += ["| 列 / column | 类型 / type | 含义 / meaning |", "|---|---|---|"]
            out += [f"| `{c}` | {t} | {(m or '').replace('|', '/')} |" for c, t, m in columns[name]]
            out.append("")
    out += ["## 指标 / metrics", "",
            "`metrics.md` 的每个指标：`metrics.metric_values` 与 `taizhang metrics` 按此编号给出数值。"
            " / Every metric of metrics.md, by the id `metrics.metric_values` and `taizhang metrics` give.", "",
            "| 编号 / id | 名称 / label | 量词 / measure | 来源 / source | 计算 / aggregate |", "|---|---|---|---|---|"]
    out += [f"| `{i}` | {label} | {measure} | {source} | {aggregate} |" for i, label, measure, source, aggregate in
            con.execute("select metric_id, label, measure, source, aggregate from metrics.catalogue order by position"
                        ).fetchall()]
    return "\n".join(out) + "\n"
