"""The warehouse's shape: models build, raw tables match the source contracts, models explain themselves."""

import duckdb
import pytest

from flows.extract.contracts import CONTRACTS, LINEAGE_COLUMNS
from flows.settings import PROJECT_ROOT
from flows.warehouse import LAYERS, open_warehouse

SQL = PROJECT_ROOT / "sql"


@pytest.fixture
def con(tmp_path):
    with open_warehouse(tmp_path / "w.duckdb", SQL) as connection:
        yield connection


def test_every_model_builds_into_its_layers_schema(con):
    built = {(s, n) for s, n in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    built |= {(s, n) for s, n in con.execute(
        "select schema_name, function_name from duckdb_functions() where function_type in ('table_macro', 'macro')").fetchall()}
    models = {(p.parent.name, p.stem) for layer in LAYERS for p in (SQL / layer).glob("*.sql")}
    assert models <= built


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_raw_tables_have_exactly_the_contract_columns(con, contract):
    columns = [r[0] for r in con.execute(f"describe raw.{contract.table}").fetchall()]
    assert columns == LINEAGE_COLUMNS + contract.columns()


@pytest.mark.parametrize("model", sorted(p for layer in LAYERS for p in (SQL / layer).glob("*.sql")),
                         ids=lambda p: f"{p.parent.name}.{p.stem}")
def test_every_model_starts_by_saying_what_a_row_is(model):
    first = model.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("-- ") and len(first) > 20


def test_every_raw_table_has_a_comment_in_chinese_and_english(con):
    comments = con.execute("select table_name, comment from duckdb_tables() where schema_name = 'raw'").fetchall()
    assert comments and all(c and " / " in c for _, c in comments), comments


def test_building_twice_keeps_the_data(tmp_path):
    path = tmp_path / "w.duckdb"
    with open_warehouse(path, SQL) as con:
        con.execute("insert into raw.files (file_id, path, file_name, state) values ('x', 'a.xlsx', 'a.xlsx', 'loaded')")
    with open_warehouse(path, SQL) as con:
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 1
