"""The analyst copy: a read-only snapshot of the warehouse, published after every load.

A DuckDB writer holds its file exclusively, and a reader in another process would block
the writer. Analysts therefore never open the live file: each ingest that changed something
writes a staging file and moves it over the published copy in one rename. A reader still
open on the old copy keeps reading it undisturbed; the next connection sees the new one.

Rows enter the copy already masked (the masks are select expressions), so no unmasked
byte is ever written to it, not even to blocks it later frees. Publishing is incremental:
the published copy is copied and only the rows of the files that differ from it are
written again (so one new file costs the same in a large warehouse as in an empty one,
and a run that crashed before publishing is caught up by the next). The first
publication, or a schema changed by a new version of the models, writes it afresh.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.warehouse import analyst_path, built_from, refresh_tables, transaction

# personal data (党员发展: names and phone numbers), masked in the analyst copy
MASKS = {
    "raw.development_rows": {
        "person_name": "left(person_name, 1) || repeat('*', greatest(length(person_name) - 1, 1))",
        "phone": r"regexp_replace(phone, '(\d{3})\d+(\d{4})', '\1****\2')",
    },
}


# numbers that identify a person, wherever people wrote them (备注, free text, problem values):
# (pattern, replacement) in order — ID numbers before the mobile numbers they may contain
NUMBER_MASKS = (
    (r"\b(\d{6})\d{8}(\d{3}[0-9Xx])\b", r"\1********\2"),           # 身份证号
    (r"\b(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})\b", r"\1****\2"),            # mobile
    (r"\b(0\d{2,3})-\d{7,8}\b", r"\1-********"),                       # landline with area code
)


def _masked(column: str, data_type: str, table: str, database: str) -> str:
    """The select expression that gives a column's value as analysts may see it."""
    expression = MASKS.get(table, {}).get(column, f'"{column}"')
    if table == "raw.problems" and column == "value":  # a broken rule's value may itself be personal data
        expression = (f"case when file_id in (select file_id from {database}.raw.files "
                      f"where source = 'party_development') then '***' else value end")
    if data_type == "VARCHAR":  # numbers that identify a person, in any text
        for pattern, replacement in NUMBER_MASKS:
            expression = f"regexp_replace({expression}, '{pattern}', '{replacement}', 'g')"
    return f'{expression} as "{column}"'


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    """Each raw table of `database` (schema.table) with its columns and their types: the data.
    The table models (warehouse.py) are recomputed in the copy from its masked rows."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, data_type in con.execute("""
            select c.schema_name, c.table_name, c.column_name, c.data_type
            from duckdb_columns() c join duckdb_tables() t using (database_name, schema_name, table_name)
            where c.database_name = ? and c.schema_name = 'raw' order by c.schema_name, c.table_name, c.column_index""", [database]).fetchall():
        tables.setdefault(f"{schema}.{table}", []).append((column, data_type))
    return tables


def _identifier(name: str) -> str:
    """A name as a quoted SQL identifier (a warehouse's database is named after its file)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    """A path as a quoted SQL string."""
    return "'" + str(path).replace("'", "''") + "'"


# what tells whether a file's rows differ between the warehouse and the copy: record tables
# are written once, with their file (raw.files); what changes later is a file's arrivals
# (copies), its problems (re-checked when a new register arrives) and its sending unit
CHANGE_MARKS = {
    "raw.files": "file_id, run_id, unit_name",
    "raw.file_arrivals": "file_id, run_id, arrived_at",
    "raw.problems": "file_id, rule, row_number, run_id, first_seen_at",
}


def _unfiled_tables(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The tables whose rows belong to no file (the rules of reports/rules.yaml): copied whole."""
    return [table for table, columns in _tables(con, name).items() if "file_id" not in dict(columns)]


def _unfiled_differ(con: duckdb.DuckDBPyConnection, name: str, database: str, published: str) -> bool:
    """Whether any table of rows that belong to no file differs between the warehouse and the copy."""
    return any(con.execute(f"select exists (select * from {a}.{table} except all select * from {b}.{table})").fetchone()[0]
               for table in _unfiled_tables(con, name) for a, b in ((database, published), (published, database)))


def _changed_files(con: duckdb.DuckDBPyConnection, database: str, published: str) -> list[str]:
    """The files whose rows differ between the warehouse and the published copy."""
    differences = " union ".join(
        f"(select file_id from (select {marks} from {a}.{table} except all select {marks} from {b}.{table}))"
        for table, marks in CHANGE_MARKS.items() for a, b in ((database, published), (published, database)))
    return [file_id for (file_id,) in con.execute(differences).fetchall()]


def publish_analyst_copy(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Bring the analyst copy of the warehouse `con` writes up to date, personal data masked, atomically.

    Only the rows of files that differ from the published copy are written again; without a
    copy, or when the warehouse's schema (models, comments) changed, the whole copy afresh.
    """
    target = analyst_path(warehouse)
    staging = target.with_name(target.name + ".tmp")
    # what the warehouse was built from when the copy was published (its build fingerprint; not
    # its objects as DuckDB prints them: a view's `exclude (a, b)` flips order each time a process
    # writes the file, and every other publication would be written afresh)
    published_schema = target.with_name(target.name + ".schema")
    staging.unlink(missing_ok=True)
    name = con.execute("select current_database()").fetchone()[0]  # the file's stem: any word, any script
    database = _identifier(name)
    schema = built_from(con)
    changed = None
    if schema and target.exists() and published_schema.exists() and published_schema.read_text() == schema:
        con.execute(f"attach {_literal(target)} as analyst_published (read_only)")
        try:
            changed = _changed_files(con, database, "analyst_published")
            unfiled_differ = _unfiled_differ(con, name, database, "analyst_published")
        finally:
            con.execute("detach analyst_published")
        if not changed and not unfiled_differ:
            return target  # already current
        shutil.copyfile(target, staging)
    con.execute(f"attach {_literal(staging)} as analyst_copy")
    try:
        if changed is None:
            con.execute(f"copy from database {database} to analyst_copy (schema)")
        _write_rows(con, name, changed)
    finally:
        con.execute("detach analyst_copy")
    published_schema.unlink(missing_ok=True)  # a crash before it is written again means: afresh next time
    os.replace(staging, target)
    published_schema.write_text(schema or "")
    return target


def _write_rows(con: duckdb.DuckDBPyConnection, name: str, files: list[str] | None) -> None:
    """Write every table's rows (or only those of `files`, and the tables of no file whole) of
    database `name` into the attached copy, masked, in one transaction."""
    database = _identifier(name)
    scope = ""
    if files is not None:
        con.register("changed_files", pa.table({"file_id": pa.array(files, pa.string())}))
        scope = " where file_id in (select file_id from changed_files)"
    try:
        with transaction(con):
            _write_tables(con, name, database, files, scope)
            con.execute("use analyst_copy")
            try:
                refresh_tables(con)
            finally:
                con.execute(f"use {database}")
    finally:
        if files is not None:
            con.unregister("changed_files")


def _holding(con: duckdb.DuckDBPyConnection, database: str, tables: dict[str, list[tuple[str, str]]],
             scope: str) -> set[str]:
    """The tables of file rows that hold rows of the changed files (`scope`), in the warehouse or
    in the copy: asked in one query, so a new file costs statements for the tables it touches,
    not for every table."""
    held = " union all ".join(
        f"select '{table}' where exists (select 1 from {db}.{table}{scope})"
        for table, columns in tables.items() if "file_id" in dict(columns) for db in (database, "analyst_copy"))
    return {table for (table,) in con.execute(held).fetchall()} if held else set()


def _write_tables(con: duckdb.DuckDBPyConnection, name: str, database: str, files: list[str] | None,
                  scope: str) -> None:
    """Each table's rows, masked: those of the changed files (`scope`), or all of them."""
    tables = _tables(con, name)
    if files is not None:  # only the tables that hold rows of the changed files, here or there
        holding = _holding(con, database, tables, scope)
        tables = {table: columns for table, columns in tables.items()
                  if "file_id" not in dict(columns) or table in holding}
    for table, columns in tables.items():
        rows = scope if "file_id" in dict(columns) else ""  # a table of no file (the rules) goes whole
        if files is not None:
            con.execute(f"delete from analyst_copy.{table}{rows}")
        select = ", ".join(_masked(column, data_type, table, database) for column, data_type in columns)
        con.execute(f"insert into analyst_copy.{table} by name select {select} from {database}.{table}{rows}")
