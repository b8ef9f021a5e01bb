"""What tests compare warehouses by."""

from pathlib import Path

import duckdb


def tables_of(path: Path) -> dict:
    """Every table of a DuckDB file with all its rows, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()]
        return {name: con.execute(f"select * from {name} order by all").fetchall() for name in names}
