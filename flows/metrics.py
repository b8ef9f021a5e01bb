"""The metric layer as Python sees it: figures by id for a period and a scope.

The definitions live in `sql/metrics/`; this module only asks for them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd


class UnknownScope(Exception):
    """A scope that names no unit of the register."""


def resolve_scope(con: duckdb.DuckDBPyConnection, scope: str | None) -> str | None:
    """The register's name for a scope given by name or alias; None means the whole organisation."""
    if scope is None:
        return None
    row = con.execute("select unit_name from core.unit_aliases where alias = ?", [scope.strip()]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute("select unit_name from core.units order by unit_name").fetchall()]
        raise UnknownScope(f"“{scope}”不是组织机构名册中的单位。名册中的单位：{'、'.join(known) or '（名册尚未导入）'}")
    return row[0]


# metric groups: each a table macro in sql/metrics/ returning (metric_id, value)
GROUPS = ("activity_metrics", "matter_metrics", "publicity_metrics", "aid_metrics", "other_metrics")


def _group(con: duckdb.DuckDBPyConnection, macro: str, start: date, end: date, scope: str | None) -> dict[str, int]:
    rows = con.execute(
        f"select metric_id, value from metrics.{macro}(?::date, ?::date, scope_name := ?)", [start, end, scope],
    ).fetchall()
    return {metric_id: int(value) for metric_id, value in rows}


def activity_metrics(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict[str, int]:
    """Every activity metric id → its value for [start, end] within the scope."""
    return _group(con, "activity_metrics", start, end, resolve_scope(con, scope))


def village_items(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict[str, dict]:
    """Item → {quantity, unit} donated to the assisted village."""
    rows = con.execute("select item, quantity, unit from metrics.village_items(?::date, ?::date, scope_name := ?)",
                       [start, end, resolve_scope(con, scope)]).fetchall()
    return {item: {"quantity": int(quantity), "unit": unit} for item, quantity, unit in rows}


def all_metrics(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict:
    """Every metric id of metrics.md → its value, in the catalogue's order (village_items: a map)."""
    scope_name = resolve_scope(con, scope)
    values: dict = {}
    for macro in GROUPS:
        values.update(_group(con, macro, start, end, scope_name))
    values["village_items"] = village_items(con, start, end, scope_name)
    order = [r[0] for r in con.execute("select metric_id from metrics.catalogue").fetchall()]
    return {metric_id: values[metric_id] for metric_id in order}


def metric_table(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> pd.DataFrame:
    """Metric id, Chinese label and value, in the catalogue's order."""
    values = all_metrics(con, start, end, scope)
    catalogue = con.execute("select metric_id, label, measure from metrics.catalogue").df()
    return catalogue.assign(value=catalogue["metric_id"].map(values))


def measures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Metric id → the measure word written after its number (次, 人次, 期 …)."""
    return dict(con.execute("select metric_id, measure from metrics.catalogue").fetchall())
