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


def activity_metrics(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict[str, int]:
    """Every activity metric id → its value for [start, end] within the scope."""
    rows = con.execute(
        "select metric_id, value from metrics.activity_metrics(?::date, ?::date, scope_name := ?)",
        [start, end, resolve_scope(con, scope)],
    ).fetchall()
    return {metric_id: int(value) for metric_id, value in rows}


def metric_table(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> pd.DataFrame:
    """Metric id, Chinese label and value, in the catalogue's order."""
    values = activity_metrics(con, start, end, scope)
    catalogue = con.execute("select metric_id, label, measure from metrics.catalogue").df()
    catalogue = catalogue[catalogue["metric_id"].isin(values)]
    return catalogue.assign(value=catalogue["metric_id"].map(values))


def measures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Metric id → the measure word written after its number (次, 人次, 期 …)."""
    return dict(con.execute("select metric_id, measure from metrics.catalogue").fetchall())
