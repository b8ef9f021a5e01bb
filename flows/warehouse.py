"""The DuckDB warehouse: opening it and building its layers from `sql/`.

Each folder of `sql/` is a schema, each file one model named after the file. A file that
starts with `create` is run as written (raw tables, macros); any other file is a `select`
and becomes a view, or a table when it says `-- materialized: table` (after its leading
comment). A table model is the result of its select kept: DuckDB plans a query over nested
views anew each time, and planning the report's figures over the small core models cost more
than running them. Every transaction that changes the warehouse's data goes through
`changing`, which recomputes the table models before it commits, so they never differ from
their definitions; the models of one row per ledger row stay views. The raw tables that
hold each source's records are made from the source contracts (`flows/contracts.py`), the
one place their columns are named. Models are created in the order their references need
(`build_order`: a model names the models it uses as `schema.model`), failing loudly on a
real error, and only when what they are made from changed (`raw.builds`). Every object and
column then gets its comment (`flows/dictionary.py`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb

from flows.dictionary import apply_comments
from flows.contracts import CONTRACTS
from flows.rules import DEFAULT_RULES, write_rules
from flows.settings import Settings

LAYERS = ("raw", "staging", "core", "marts", "metrics")
SQL_DIR = Settings.sql_dir
T = TypeVar("T")


class WarehouseMissing(Exception):
    """The warehouse file does not exist yet."""


class WarehouseUnusable(ValueError):
    """The warehouse path cannot hold a warehouse: a folder, another kind of file, a place that
    cannot be written."""


def check_warehouse_path(path: Path, writing: bool = True) -> None:
    """Raise WarehouseUnusable, in one sentence, unless `path` can be (or become) the warehouse."""
    where = "point --warehouse (or TAIZHANG_WAREHOUSE) at the warehouse file"
    if path.is_dir():
        raise WarehouseUnusable(f"warehouse {path} is a folder, not a DuckDB file: {where}, "
                                f"e.g. {path / 'taizhang.duckdb'}")
    if path.exists():
        with open(path, "rb") as handle:
            header = handle.read(12)
        if header and header[8:12] != b"DUCK":
            raise WarehouseUnusable(f"warehouse {path} is not a DuckDB database (another kind of file has its "
                                    f"name): {where}, or move this file away and ingest again to build one")
    if writing:
        folder = next(p for p in (path, *path.parents) if p.exists())
        if not os.access(folder, os.W_OK):
            raise WarehouseUnusable(f"warehouse {path} cannot be written: {folder} is read-only "
                                    f"(a read-only share or file system, or no permission); {where} in a "
                                    "writable folder, or make this one writable")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything written inside lands together or not at all.

    When a write fails because DuckDB could not go on (a full disk invalidates the transaction),
    the rollback may itself fail: the original error is the one raised, never the rollback's."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # nothing left to roll back: the write's own error says what happened
        raise
    else:
        con.execute("commit")


class WarehouseBusy(Exception):
    """Another process held the warehouse file for longer than we were willing to wait."""


LOCK_WAIT_SECONDS = 120.0  # how long to wait for another process's lock on the file


class LockHeld(Exception):
    """Another process holds a lock we want (raised by an attempt given to `wait_for_lock`)."""


def wait_for_lock(attempt: Callable[[], T], wait: float, what: Path) -> T:
    """Call `attempt` until it stops raising LockHeld, for at most `wait` seconds, backing off."""
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            return attempt()
        except LockHeld as held:
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"warehouse {what} is busy: another process has held it for {wait:.0f} s "
                                    "(an ingest or report still running?); try again when it has finished") from held
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


@contextmanager
def file_lock(path: Path, wait: float) -> Iterator[None]:
    """An exclusive lock on `path` held by this process, waiting at most `wait` seconds for it."""
    def attempt() -> None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise LockHeld(str(error)) from error

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        wait_for_lock(attempt, wait, path.with_suffix(""))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_lock_path(warehouse: Path) -> Path:
    """The file whose lock makes a process the warehouse's one writing taizhang (`flows/writer.py`)."""
    return warehouse.with_name(warehouse.name + ".lock")


def check_can_write(path: Path, wait: float = LOCK_WAIT_SECONDS) -> None:
    """Before an ingest: raise WarehouseUnusable or WarehouseBusy, in one sentence, when it could
    not write the warehouse. Another taizhang writing is no reason: ingests queue for each other;
    a lock held by anything else (an analyst's `duckdb` shell on the live file) is waited for
    `wait` seconds, as the run itself would."""
    check_warehouse_path(path)
    if not path.exists():
        return
    try:
        with file_lock(writer_lock_path(path), 0):
            _connect(path, read_only=True, wait=wait).close()
    except WarehouseBusy:
        if _lock_free(writer_lock_path(path)):
            raise


def _lock_free(path: Path) -> bool:
    """Whether no process holds the writer lock `path` (then a busy file is held by something else)."""
    try:
        with file_lock(path, 0):
            return True
    except WarehouseBusy:
        return False


def analyst_path(warehouse: Path) -> Path:
    """Where the analyst copy of a warehouse is published: beside it, `…_analyst.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}_analyst{warehouse.suffix}")


def waiting_path(warehouse: Path) -> Path:
    """The file a process waiting for the warehouse leaves beside it, so that a run holding it
    lets go at its next pause (`release(…, if_waited_for=True)`)."""
    return warehouse.with_name(warehouse.name + ".waiting")


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect, waiting (bounded) while another process holds the file's lock, and saying so
    (`waiting_path`) at each attempt that finds it held."""
    waiting, waited = waiting_path(path), False

    def attempt() -> duckdb.DuckDBPyConnection:
        nonlocal waited
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                with suppress(OSError):
                    waiting.touch()
                    waited = True
                raise LockHeld(str(error)) from error
            check_warehouse_path(path, writing=not read_only)  # what, in one sentence, when it is the path
            raise

    try:
        return wait_for_lock(attempt, wait, path)
    finally:
        if waited:  # only a waiter takes the note away (another still waiting leaves it again)
            with suppress(OSError):
                waiting.unlink(missing_ok=True)


@contextmanager
def changing(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> Iterator[duckdb.DuckDBPyConnection]:
    """A transaction that changes the warehouse's data: its table models are recomputed before it
    commits (`refresh_tables`), so no reader ever sees them differ from the rows they come from."""
    with transaction(con):
        yield con
        refresh_tables(con, sql_dir)


_TABLE_MODEL = re.compile(r"^--\s*materialized:\s*table\s*$", re.M)
_LEADING_COMMENTS = re.compile(r"^\s*(--[^\n]*\n\s*)*")


def model_kind(model: Path) -> str | None:
    """'table' or 'view' for a select (a table when its leading comments say `materialized:
    table`); None for a file run as written (it starts with `create`)."""
    return _kind(model.read_text(encoding="utf-8"))


def _kind(sql: str) -> str | None:
    body = _LEADING_COMMENTS.sub("", sql)
    if body.lower().startswith("create"):
        return None
    return "table" if _TABLE_MODEL.search(sql[:len(sql) - len(body)]) else "view"


def _statement(model: Path) -> str:
    sql = model.read_text(encoding="utf-8")
    kind = _kind(sql)
    return sql if kind is None else f"create or replace {kind} {model.parent.name}.{model.stem} as\n{sql}"


def refresh_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Recompute every table model from its select, in build order (one may read another)."""
    for model in build_order(sql_dir):
        sql = model.read_text(encoding="utf-8")
        if _kind(sql) == "table":
            name = f"{model.parent.name}.{model.stem}"
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name}\n{sql}")


def build_record_tables(con: duckdb.DuckDBPyConnection) -> None:
    """One raw table per source contract, its columns from the contract alone.

    Columns a contract gained since the table was made are added; none is ever dropped.
    """
    for contract in CONTRACTS:
        table = f"raw.{contract.table}"
        columns = {"file_id": "varchar not null", "sheet": "varchar not null", "row_number": "integer not null",
                   **contract.column_types()}
        con.execute(f"create table if not exists {table} ("
                    + ", ".join(f"{name} {kind}" for name, kind in columns.items()) + ")")
        present = {r[0] for r in con.execute(f"describe {table}").fetchall()}
        for name, kind in columns.items():
            if name not in present:
                con.execute(f"alter table {table} add column {name} {kind.replace(' not null', '')}")


_REFERENCE = re.compile(rf"\b({'|'.join(LAYERS)})\.(\w+)")


def build_order(sql_dir: Path) -> list[Path]:
    """Every model of `sql_dir`, each after the models it names (`schema.model` in its text).

    A model's dependencies are read from its SQL, so adding one needs no list to keep in step;
    a cycle is an error naming the models in it."""
    models = {f"{p.parent.name}.{p.stem}": p for layer in LAYERS for p in sorted((sql_dir / layer).glob("*.sql"))}
    needs = {name: {f"{schema}.{model}" for schema, model in _REFERENCE.findall(_without_comments(path))} & set(models)
             - {name} for name, path in models.items()}
    order: list[Path] = []
    done: set[str] = set()
    while len(done) < len(models):
        ready = [name for name in models if name not in done and needs[name] <= done]
        if not ready:
            stuck = sorted(name for name in models if name not in done)
            raise RuntimeError(f"the models {', '.join(stuck)} need each other in a cycle: break it in sql/")
        for name in ready:  # in layer order, then by name: the same order on every machine
            order.append(models[name])
            done.add(name)
    return order


def _without_comments(path: Path) -> str:
    return re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))


def build(con: duckdb.DuckDBPyConnection, sql_dir: Path, rules: Path = DEFAULT_RULES) -> None:
    """Create every schema and model of `sql_dir` in the order their references need (idempotent:
    raw tables are `if not exists`), writing the rules file into its tables (`flows/rules.py`)
    before any model that may read them."""
    for layer in LAYERS:
        con.execute(f"create schema if not exists {layer}")
    build_record_tables(con)
    existing = dict(con.execute("""
        select schema_name || '.' || view_name, 'view' from duckdb_views() where not internal
        union all select schema_name || '.' || table_name, 'table' from duckdb_tables()""").fetchall())
    order = build_order(sql_dir)
    models = [model for model in order if model.parent.name != "raw"]
    for model in [model for model in order if model.parent.name == "raw"]:  # raw models read only raw ones
        _create(con, model, existing)
    write_rules(con, rules)  # into raw tables, before a model reads them
    for model in models:
        _create(con, model, existing)
    apply_comments(con, sql_dir)


def _create(con: duckdb.DuckDBPyConnection, model: Path, existing: dict[str, str]) -> None:
    """Create one model, dropping first what had its name as the other kind (view or table)."""
    name, kind = f"{model.parent.name}.{model.stem}", model_kind(model)
    if kind is not None and existing.get(name, kind) != kind:
        con.execute(f"drop {existing[name]} {name}")
    try:
        con.execute(_statement(model))
    except duckdb.Error as error:
        raise RuntimeError(f"model {model.parent.name}/{model.name} does not build: {error}") from error


_BUILT: set[tuple] = set()  # (warehouse file, the models' state) built or checked by this process
# writers kept open by `kept_open`, by warehouse file (None: released, opened again when asked for)
_KEPT: dict[Path, duckdb.DuckDBPyConnection | None] = {}


def _build_key(path: Path, sql_dir: Path, rules: Path) -> tuple:
    """Models are checked when the file is new to this process or a model, the dictionary or the rules changed."""
    from flows.dictionary import DICTIONARY

    models = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(sql_dir.glob("*/*.sql")))
    rules_state = rules.stat().st_mtime_ns if rules.exists() else None
    return str(path.resolve()), models, DICTIONARY.stat().st_mtime_ns, str(rules), rules_state


def build_fingerprint(sql_dir: Path, rules: Path) -> str:
    """What a build makes of a warehouse comes from: the models, the dictionary, the rules file
    and the source contracts' columns."""
    from flows.dictionary import DICTIONARY

    digest = hashlib.sha256()
    for model in sorted(sql_dir.glob("*/*.sql")):
        digest.update(model.relative_to(sql_dir).as_posix().encode() + b"\0" + model.read_bytes())
    digest.update(DICTIONARY.read_bytes())
    digest.update(rules.read_bytes() if rules.exists() else b"")
    digest.update(repr([(contract.table, contract.column_types()) for contract in CONTRACTS]).encode())
    return digest.hexdigest()


def built_from(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the build the warehouse's models come from (None: not built, or before fingerprints)."""
    try:
        row = con.execute("select fingerprint from raw.builds").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def _is_built(con: duckdb.DuckDBPyConnection) -> bool:
    """A cheap check that the file still has its models (it may have been replaced meanwhile)."""
    return bool(con.execute("select count(*) from duckdb_views() where schema_name = 'metrics' "
                            "and view_name = 'catalogue'").fetchone()[0])


def bring_up_to_date(con: duckdb.DuckDBPyConnection, sql_dir: Path, rules: Path) -> None:
    """Build the models unless the warehouse already has this very build (a new process then
    skips ≈ 0.8 s of creating views and tables and writing comments)."""
    fingerprint = build_fingerprint(sql_dir, rules)
    if built_from(con) == fingerprint and _is_built(con):
        return
    with transaction(con):
        build(con, sql_dir, rules)
        con.execute("delete from raw.builds")
        con.execute("insert into raw.builds values (?, current_timestamp)", [fingerprint])


@contextmanager
def open_warehouse(path: Path, sql_dir: Path, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS,
                   rules: Path = DEFAULT_RULES) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file; a writer also brings the models up to date.

    DuckDB locks the file for one writing process (and readers in other processes fail while
    it is held): we wait for the lock up to `wait` seconds, then raise WarehouseBusy. Within
    `kept_open(path)`, a writer gets the one connection kept there, and so does a reader while
    it is open (one process cannot open a file both ways).
    """
    if read_only and not path.exists():
        raise WarehouseMissing(f"warehouse {path} does not exist yet: run `taizhang ingest` (or `taizhang demo`) first")
    path.parent.mkdir(parents=True, exist_ok=True)
    held = path.absolute()
    kept = held in _KEPT and (not read_only or _KEPT[held] is not None)
    con = _KEPT[held] if kept else None
    if con is None:
        con = _connect(path, read_only, wait)
        if kept:
            _KEPT[held] = con
    try:
        if not read_only and ((key := _build_key(path, sql_dir, rules)) not in _BUILT or not _is_built(con)):
            bring_up_to_date(con, sql_dir, rules)
            _BUILT.add(key)
        yield con
    except BaseException:
        if kept:  # a step that failed leaves no connection behind: its retry starts afresh
            with suppress(duckdb.Error):  # the step's own error says what happened
                release(path)
        raise
    finally:
        if not kept:
            con.close()


@contextmanager
def kept_open(path: Path) -> Iterator[None]:
    """Within, every writer `open_warehouse` gives for `path` is one connection, opened when first
    asked for and kept between uses: a run of several steps connects once instead of once a step
    (each connection costs ≈ 20 ms to open and a checkpoint to close). `release` closes it while
    the run waits for something else, so that a reader waiting for the file gets in meanwhile."""
    key = path.absolute()
    _KEPT[key] = None
    try:
        yield
    finally:
        release(path)
        del _KEPT[key]


def release(path: Path, if_waited_for: bool = False) -> None:
    """Close the connection `kept_open(path)` keeps, if it is open (the next writer opens it again);
    `if_waited_for`: only when another process is waiting for the file. Each closing writes the
    run's changes into the file (a checkpoint, ≈ 0.1-0.3 s), so a run does not close between
    its batches for nobody."""
    held = path.absolute()
    con = _KEPT.get(held)
    if con is not None and (not if_waited_for or waiting_path(path).exists()):
        _KEPT[held] = None
        con.close()
