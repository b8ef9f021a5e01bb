"""The analyst copy: a read-only snapshot of the warehouse, published after every load.

A DuckDB writer holds its file exclusively, and a reader in another process would block
the writer. Analysts therefore never open the live file: each ingest that changed something
copies the warehouse file (tables, views, macros, comments), masks personal data in that
scratch copy, writes the published file afresh from it (so no masked byte survives in free
blocks), and moves it over the published copy in one rename. A reader still open on the old copy keeps reading
it undisturbed; the next connection sees the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

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


def scrub_numbers(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Mask ID and phone numbers in every text column of every table of `database`."""
    any_number = "|".join(f"({pattern})" for pattern, _ in NUMBER_MASKS)
    columns = con.execute("""
        select c.schema_name, c.table_name, c.column_name
        from duckdb_columns() c join duckdb_tables() t using (database_name, schema_name, table_name)
        where c.database_name = ? and c.data_type = 'VARCHAR'""", [database]).fetchall()  # tables, not views
    for schema, table, column in columns:
        expression = f'"{column}"'
        for pattern, replacement in NUMBER_MASKS:
            expression = f"regexp_replace({expression}, '{pattern}', '{replacement}', 'g')"
        con.execute(f'update {database}."{schema}"."{table}" set "{column}" = {expression} '
                    f"where regexp_matches(\"{column}\", '{any_number}')")


def analyst_path(warehouse: Path) -> Path:
    """Where the analyst copy of a warehouse is published: beside it, `…_analyst.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}_analyst{warehouse.suffix}")


def publish_analyst_copy(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Copy the warehouse into the analyst file, personal data masked, replacing it atomically.

    Masking happens in a scratch copy; the published file is then written afresh from it
    (copy from database), so the bytes the masks replaced are not left behind in free blocks.
    """
    target = analyst_path(warehouse)
    scratch, staging = (target.with_name(target.name + suffix) for suffix in (".masking", ".tmp"))
    for path in (scratch, staging):
        path.unlink(missing_ok=True)
    con.execute("checkpoint")  # we are the one writer: the file now holds everything
    shutil.copyfile(warehouse, scratch)
    con.execute(f"attach '{scratch}' as analyst_scratch")
    try:
        for table, columns in MASKS.items():
            assignments = ", ".join(f"{column} = {expression}" for column, expression in columns.items())
            con.execute(f"update analyst_scratch.{table} set {assignments}")
        # a broken rule's original value may itself be personal data
        con.execute("""
            update analyst_scratch.raw.problems set value = '***'
            where file_id in (select file_id from analyst_scratch.raw.files where source = 'party_development')
        """)
        scrub_numbers(con, "analyst_scratch")
        con.execute(f"attach '{staging}' as analyst_copy")
        try:
            con.execute("copy from database analyst_scratch to analyst_copy")
        finally:
            con.execute("detach analyst_copy")
    finally:
        con.execute("detach analyst_scratch")
        scratch.unlink(missing_ok=True)
    os.replace(staging, target)
    return target
