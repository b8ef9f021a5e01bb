"""Loading: idempotent writes of what the inbox held (flows/inbox.py) into the warehouse.

A batch of new files is written in one transaction: registry, sheets, skipped rows, records
and problems land together or not at all.
Frames go in through Arrow (`insert … by name`), never row by row.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from flows.extract import FileRead, concat
from flows.inbox import relative
from flows.warehouse import changing


def unit_aliases(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every name and alias of the live register → the unit's name."""
    return dict(con.execute("select alias, unit_name from core.unit_aliases").fetchall())


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame | pa.Table) -> None:
    """Append rows by column name, through Arrow."""
    arrow = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False)
    if arrow.num_rows == 0:
        return
    columns = [c[0] for c in con.execute(f"describe {table}").fetchall()]
    unknown = set(arrow.column_names) - set(columns)
    if unknown:  # column names come only from the contracts; anything else is a bug
        raise ValueError(f"{table} has no columns {sorted(unknown)}")
    con.register("incoming", arrow)
    try:
        con.execute(f"insert into {table} by name select * from incoming")
    finally:
        con.unregister("incoming")


def _file_rows(files: list[FileRead], inbox: Path, aliases: dict[str, str], run_id: str, now: datetime) -> pd.DataFrame:
    return pd.DataFrame([
        {
            "file_id": f.file_id,
            "path": relative(f.path, inbox),
            "file_name": f.path.name,
            "size_bytes": f.size_bytes,
            "modified_at": f.modified_at,
            "source": f.source,
            "submitter": f.submitter,
            "unit_name": aliases.get(f.submitter) if f.submitter else None,
            "period_label": f.period.label if f.period else None,
            "period_start": f.period.start if f.period else None,
            "period_end": f.period.end if f.period else None,
            "filled_on": f.filled_on,
            "exported_on": f.exported_on,
            "file_format": f.format,
            "notes": "；".join(f.notes) or None,
            "version_rank": f.version_rank,
            "rows_read": f.rows,
            "state": "refused" if f.refusal else "loaded",
            "reason": f.refusal,
            "refusal_kind": f.refusal_kind,
            "service": f.service,
            "export_kind": f.export_kind,
            "run_id": run_id,
            "ingested_at": now,
        }
        for f in files
    ])


def load_batch(con: duckdb.DuckDBPyConnection, files: list[FileRead], problems: pd.DataFrame,
               inbox: Path, run_id: str) -> None:
    """Write a batch of extracted files and their problems in one transaction."""
    now = datetime.now()
    aliases = unit_aliases(con)
    sheets = pd.DataFrame([
        {"file_id": f.file_id, "sheet": s.sheet, "state": s.state, "contract": s.contract,
         "header_row": s.header_row, "columns": json.dumps(s.columns, ensure_ascii=False),
         "rows_read": s.rows}
        for f in files for s in f.sheets
    ])
    skipped = pd.DataFrame(
        [{"file_id": f.file_id, "sheet": sheet, "row_number": row, "reason": why}
         for f in files for sheet, row, why in f.skipped_rows],
    )
    tables: dict[str, list[pa.Table]] = {}
    for f in files:
        for table, records in f.tables.items():
            tables.setdefault(table, []).append(records)
    problems = problems.assign(run_id=run_id, first_seen_at=now)

    with changing(con):
        _insert(con, "raw.files", _file_rows(files, inbox, aliases, run_id, now))
        arrivals = pd.DataFrame([{"path": relative(f.path, inbox), "file_id": f.file_id,
                                  "run_id": run_id, "arrived_at": now} for f in files])
        _insert(con, "raw.file_arrivals", arrivals)
        _insert(con, "raw.sheets", sheets)
        _insert(con, "raw.skipped_rows", skipped)
        for table, parts in tables.items():
            _insert(con, f"raw.{table}", concat(parts))
        _insert(con, "raw.problems", problems)


def record_duplicates(con: duckdb.DuckDBPyConnection, duplicates: list[tuple[Path, str]],
                      inbox: Path, run_id: str) -> None:
    """A copy of bytes already loaded is recorded as an arrival and nothing more."""
    frame = pd.DataFrame([{"path": relative(p, inbox), "file_id": file_id, "run_id": run_id,
                           "arrived_at": datetime.now()} for p, file_id in duplicates])
    if len(frame):
        with changing(con):
            _insert(con, "raw.file_arrivals", frame)


def file_states(con: duckdb.DuckDBPyConnection, paths: list[str]) -> pd.DataFrame:
    """The state of each given inbox path now: loaded, superseded, duplicate or refused."""
    if not paths:
        return pd.DataFrame(columns=["path", "status", "source", "unit", "period", "rows", "problems", "rows_held", "reason"])
    con.register("wanted", pa.table({"path": paths}))
    try:
        return con.execute("""
            select
                a.path,
                case when a.path <> f.path then 'duplicate' else f.status end as status,
                f.source,
                f.unit_name as unit,
                f.period_label as period,
                f.rows_read as rows,
                (select count(*) from raw.problems p where p.file_id = f.file_id) as problems,
                (select count(distinct (p.sheet, p.row_number)) from raw.problems p
                  where p.file_id = f.file_id and p.row_number is not null) as rows_held,
                case when a.path <> f.path then '与 ' || f.path || ' 内容完全相同' else f.reason end as reason
            from wanted w
            join raw.file_arrivals a using (path)
            join core.files f using (file_id)
            qualify row_number() over (partition by a.path order by a.arrived_at desc) = 1
            order by a.path
        """).df()
    finally:
        con.unregister("wanted")

def arrived_since(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[str]:
    """The inbox paths that brought bytes after `since` (none when no run has completed), in path order."""
    if since is None:
        return []
    return [path for (path,) in con.execute("select distinct path from raw.file_arrivals where arrived_at > ? "
                                            "order by path", [since]).fetchall()]


def waiting_states(waiting: list[tuple[Path, float]], inbox: Path, settle_seconds: float) -> pd.DataFrame:
    """The files still being written, as rows of `file_states` with the status `waiting`."""
    return pd.DataFrame([
        {"path": relative(path, inbox), "status": "waiting", "source": None, "unit": None, "period": None,
         "rows": None, "problems": 0, "rows_held": 0,
         "reason": f"{age:.0f} 秒前仍有改动，可能正在复制：{settle_seconds:.0f} 秒内无改动后由下次导入读取 / "
                   f"changed {age:.0f} s ago, read by the next run once unchanged for {settle_seconds:.0f} s"}
        for path, age in waiting
    ], columns=["path", "status", "source", "unit", "period", "rows", "problems", "rows_held", "reason"])


def summary_by_unit(files: pd.DataFrame) -> pd.DataFrame:
    """Per sending unit: files, rows loaded, rows held back with problems, files refused."""
    from flows.contracts import SOURCE_LABELS

    files = files[files["status"] != "waiting"]  # not read yet: nobody to count them for
    if files.empty:
        return pd.DataFrame(columns=["unit", "files", "rows_loaded", "rows_quarantined", "files_refused"])
    senders = files["unit"].fillna(files["source"].map(SOURCE_LABELS)).fillna("（未知单位）")
    loaded = files["status"] == "loaded"
    frame = files.assign(
        unit=senders,
        rows_loaded=(files["rows"].fillna(0) - files["rows_held"].fillna(0)).where(loaded, 0),
        rows_quarantined=files["rows_held"].fillna(0).where(loaded, 0),
        files_refused=(files["status"] == "refused").astype(int),
    )
    out = frame.groupby("unit", sort=True).agg(
        files=("path", "count"), rows_loaded=("rows_loaded", "sum"),
        rows_quarantined=("rows_quarantined", "sum"), files_refused=("files_refused", "sum"),
    ).reset_index()
    return out.astype({c: int for c in ("files", "rows_loaded", "rows_quarantined", "files_refused")})


def stored_files(con: duckdb.DuckDBPyConnection, file_ids: list[str]) -> dict[str, FileRead]:
    """Some live loaded files as FileReads (identity, period, source, sheet columns), without records."""
    from flows.extract import SheetRead
    from flows.extract.layout import Period

    con.register("wanted_files", pa.table({"file_id": pa.array(file_ids, pa.string())}))
    try:
        files = {}
        for file_id, path, source, label, start, end in con.execute(
                "select file_id, path, source, period_label, period_start, period_end from core.files "
                "where is_live and file_id in (select file_id from wanted_files)").fetchall():
            files[file_id] = FileRead(path=Path(path), file_id=file_id, size_bytes=0, modified_at=datetime.now(),
                                      source=source, period=Period(label, start, end) if label else None)
        for file_id, sheet, columns in con.execute(
                "select file_id, sheet, columns from raw.sheets where state = 'read' "
                "and file_id in (select file_id from wanted_files)").fetchall():
            if file_id in files:
                files[file_id].sheets.append(SheetRead(sheet, "read", columns=json.loads(columns or "{}")))
        return files
    finally:
        con.unregister("wanted_files")


def replace_problems(con: duckdb.DuckDBPyConnection, rules: list[str], file_ids: list[str],
                     problems: pd.DataFrame, run_id: str) -> None:
    """Swap the stored problems of some rules in some files for freshly found ones, in one transaction.

    A problem found again keeps the time it was first seen.
    """
    now = datetime.now()
    con.register("scope_rules", pa.table({"rule": rules}))
    con.register("scope_files", pa.table({"file_id": file_ids}))
    try:
        with changing(con):
            seen = con.execute("""
                select file_id, sheet, row_number, rule, min(first_seen_at) from raw.problems
                where rule in (select rule from scope_rules) and file_id in (select file_id from scope_files)
                group by all""").fetchall()
            first_seen = {(f, s, r, rule): at for f, s, r, rule, at in seen}
            con.execute("delete from raw.problems where rule in (select rule from scope_rules) "
                        "and file_id in (select file_id from scope_files)")
            fresh = problems.assign(run_id=run_id, first_seen_at=[
                first_seen.get((p.file_id, p.sheet, p.row_number, p.rule), now) for p in problems.itertuples()])
            _insert(con, "raw.problems", fresh)
            # the sending unit of each file, as the register now knows it
            con.execute("""
                update raw.files set unit_name = aliases.unit_name
                from core.unit_aliases as aliases
                where raw.files.submitter = aliases.alias and raw.files.source <> 'unit_register'
            """)
    finally:
        con.unregister("scope_rules")
        con.unregister("scope_files")
