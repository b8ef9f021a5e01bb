"""The warehouse's shape: models build, raw tables match the source contracts, models explain themselves."""

import pytest

from flows.contracts import CONTRACTS, LINEAGE_COLUMNS
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


def _bilingual(comment) -> bool:
    """A comment in Chinese, then ' / ', then English."""
    if not comment or " / " not in comment:
        return False
    chinese, english = comment.split(" / ", 1)
    return any("\u4e00" <= ch <= "\u9fff" for ch in chinese) and any(ch.isascii() and ch.isalpha() for ch in english)


def test_every_table_view_and_macro_has_a_comment_in_chinese_and_english(con):
    objects = con.execute(f"""
        select schema_name || '.' || table_name, comment from duckdb_tables() where schema_name in {LAYERS}
        union all select schema_name || '.' || view_name, comment from duckdb_views() where schema_name in {LAYERS}
        union all select schema_name || '.' || function_name, comment from duckdb_functions()
                   where schema_name in {LAYERS} and function_type in ('macro', 'table_macro')""").fetchall()
    assert len(objects) >= 40
    assert [name for name, comment in objects if not _bilingual(comment)] == []


def test_every_column_has_a_comment_in_chinese_and_english(con):
    columns = con.execute(f"""select table_name || '.' || column_name, comment from duckdb_columns()
                              where schema_name in {LAYERS}""").fetchall()
    assert len(columns) >= 300
    assert [name for name, comment in columns if not _bilingual(comment)] == []


def test_a_parsed_field_explains_its_original_text_and_approximation(con):
    comments = dict(con.execute("""select column_name, comment from duckdb_columns()
                                   where schema_name = 'raw' and table_name = 'activity_rows'""").fetchall())
    assert comments["participants"].startswith("参加人数 / participants")
    assert comments["participants_raw"].startswith("参加人数（原文） / original cell text of participants")
    assert "约30" in comments["participants_is_approx"]


def test_building_twice_keeps_the_data(tmp_path):
    path = tmp_path / "w.duckdb"
    with open_warehouse(path, SQL) as con:
        con.execute("insert into raw.files (file_id, path, file_name, state) values ('x', 'a.xlsx', 'a.xlsx', 'loaded')")
    with open_warehouse(path, SQL) as con:
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 1


def test_a_new_process_builds_the_models_again_only_when_what_they_are_made_from_changed(tmp_path):
    import shutil

    from flows import warehouse

    sql = tmp_path / "sql"
    shutil.copytree(SQL, sql)
    path = tmp_path / "w.duckdb"

    def open_in_a_new_process() -> tuple:
        warehouse._BUILT.clear()  # what a new process knows
        with open_warehouse(path, sql) as con:
            built_at = con.execute("select built_at from raw.builds").fetchone()[0]
            columns = [r[0] for r in con.execute("describe core.units").fetchall()]
        return built_at, columns

    first, columns = open_in_a_new_process()
    assert open_in_a_new_process() == (first, columns)  # nothing changed: not built again
    model = sql / "core" / "units.sql"
    model.write_text(model.read_text(encoding="utf-8").replace("select * from final", "select *, 1 as added from final"),
                     encoding="utf-8")
    again, changed = open_in_a_new_process()
    assert again > first and changed == columns + ["added"]


def test_a_run_s_kept_connection_serves_its_steps_lets_readers_in_when_released_and_dies_with_a_failed_step(tmp_path):
    import subprocess
    import sys
    import time

    import duckdb

    from flows.warehouse import _connect, kept_open, release, waiting_path

    path = tmp_path / "w.duckdb"

    def a_reader_can_open() -> bool:  # in another process, as a report would
        probe = [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True).close()", str(path)]
        return subprocess.run(probe, capture_output=True).returncode == 0

    with kept_open(path):
        with open_warehouse(path, SQL) as first:
            pass
        with open_warehouse(path, SQL) as second:
            assert second is first  # one connection for the run's steps
        assert not a_reader_can_open()  # held between them
        release(path, if_waited_for=True)
        assert not a_reader_can_open()  # nobody was waiting (a plain connect does not say so): still held
        waiter = subprocess.Popen([sys.executable, "-c", "import sys; from pathlib import Path; "
                                   "from flows.warehouse import _connect; _connect(Path(sys.argv[1]), True, 60).close()",
                                   str(path)], cwd=PROJECT_ROOT)
        deadline = time.monotonic() + 60
        while not waiting_path(path).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        release(path, if_waited_for=True)  # a command waits: let go while the workers read
        assert waiter.wait(timeout=60) == 0  # it got in
        assert not waiting_path(path).exists()  # and took its note away
        other = tmp_path / "other.duckdb"
        waiting_path(other).touch()  # a command waiting for another file ...
        _connect(other, read_only=False, wait=0).close()
        assert waiting_path(other).exists()  # ... keeps its note when one gets in at once
        with open_warehouse(path, SQL):
            pass
        release(path)
        assert a_reader_can_open()  # released unconditionally (before the problem list)
        with pytest.raises(ZeroDivisionError), open_warehouse(path, SQL) as failing:
            1 / 0
        with pytest.raises(duckdb.ConnectionException):
            failing.execute("select 1")  # a failed step's connection is closed ...
        with open_warehouse(path, SQL) as retry:
            assert retry.execute("select 1").fetchone() == (1,)  # ... and its retry connects afresh
    assert a_reader_can_open()  # closed when the run ends
