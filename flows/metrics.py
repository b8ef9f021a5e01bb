"""The metric layer as Python sees it: figures by id for a period and a scope.

The definitions live in `sql/metrics/`; this module only asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class UnknownScope(Exception):
    """A scope that names no unit of the register."""


class UnknownMetric(Exception):
    """An id that metrics.md does not define."""


def resolve_scope(con: duckdb.DuckDBPyConnection, scope: str | None) -> str | None:
    """The register's name for a scope given by name or alias; None means the whole organisation."""
    if scope is None:
        return None
    row = con.execute("select unit_name from core.unit_aliases where alias = ?", [scope.strip()]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute("select unit_name from core.units order by unit_name").fetchall()]
        raise UnknownScope(f"“{scope}”不是组织机构名册中的单位。名册中的单位：{'、'.join(known) or '（名册尚未导入）'}")
    return row[0]


def metric_values(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None,
                  source: str | None = None) -> dict[str, int]:
    """Metric id → value for [start, end] within the scope (all metrics, or those of one source)."""
    rows = con.execute(
        "select v.metric_id, v.value from metrics.metric_values(?::date, ?::date, scope_name := ?) v "
        "join metrics.catalogue c using (metric_id) where ? is null or c.source = ? order by c.position",
        [start, end, resolve_scope(con, scope), source, source],
    ).fetchall()
    return {metric_id: int(value) for metric_id, value in rows}


@dataclass(frozen=True)
class WindowFigures:
    """Every metric's value in a window and the source rows behind each (what a report needs of it)."""

    values: dict[str, int]
    evidence: pd.DataFrame   # metric_id, path, sheet, row_number


def window_figures(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> WindowFigures:
    """`metric_values` and `evidence` of one window from one pass over its members (metrics.figures)."""
    table = con.execute("select metric_id, value, places from metrics.figures(?::date, ?::date, scope_name := ?)",
                        [start, end, resolve_scope(con, scope)]).arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    values = {m: int(v) for m, v in zip(table["metric_id"].to_pylist(), table["value"].to_pylist())
              if m != "village_items"}
    places = table["places"].combine_chunks()
    rows = pc.list_flatten(places)
    found = pa.table({"metric_id": pc.take(table["metric_id"], pc.list_parent_indices(places)),
                      "path": rows.field("path"), "sheet": rows.field("sheet"), "row_number": rows.field("row_number")})
    evidence = found.group_by(found.column_names).aggregate([]).to_pandas(  # each source row once
        types_mapper=lambda kind: pd.Int64Dtype() if pa.types.is_integer(kind) else None)
    return WindowFigures(values, evidence.sort_values(found.column_names, ignore_index=True))


def activity_metrics(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict[str, int]:
    """Every activity metric id → its value for [start, end] within the scope."""
    return metric_values(con, start, end, scope, source="activities")


def village_items(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict[str, dict]:
    """Item → {quantity, unit} donated to the assisted village."""
    rows = con.execute("select item, quantity, unit from metrics.village_items(?::date, ?::date, scope_name := ?)",
                       [start, end, resolve_scope(con, scope)]).fetchall()
    return {item: {"quantity": int(quantity), "unit": unit} for item, quantity, unit in rows}


def all_metrics(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> dict:
    """Every metric id of metrics.md → its value, in the catalogue's order (village_items: a map)."""
    values: dict = metric_values(con, start, end, scope)
    items = village_items(con, start, end, scope)
    order = [r[0] for r in con.execute("select metric_id from metrics.catalogue order by position").fetchall()]
    return {metric_id: items if metric_id == "village_items" else values[metric_id] for metric_id in order}


def evidence(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None,
             metric_id: str | None = None) -> pd.DataFrame:
    """The source rows (path, sheet, row) behind a metric's value, or behind every metric."""
    known = {r[0] for r in con.execute("select metric_id from metrics.catalogue").fetchall()}
    if metric_id is not None and metric_id not in known:
        raise UnknownMetric(f"“{metric_id}” is not a metric id of metrics.md; known: {', '.join(sorted(known))}")
    return con.execute(
        "select metric_id, path, sheet, row_number from metrics.evidence(?::date, ?::date, scope_name := ?) "
        "where ? is null or metric_id = ?",
        [start, end, resolve_scope(con, scope), metric_id, metric_id],
    ).df()


def metric_table(con: duckdb.DuckDBPyConnection, start: date, end: date, scope: str | None = None) -> pd.DataFrame:
    """Metric id, Chinese label and value, in the catalogue's order."""
    values = all_metrics(con, start, end, scope)
    catalogue = con.execute("select metric_id, label, measure from metrics.catalogue order by position").df()
    return catalogue.assign(value=catalogue["metric_id"].map(values))


def measures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Metric id → the measure word written after its number (次, 人次, 期 …)."""
    return dict(con.execute("select metric_id, measure from metrics.catalogue").fetchall())


def metric_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Metric id → its Chinese label in metrics.md."""
    return dict(con.execute("select metric_id, label from metrics.catalogue").fetchall())
