"""The Prefect flows: ingest, the reports, and the demo that runs both.

Each flow reads like a table of contents; the steps are coarse tasks (a batch of files, a
stage), because each task costs Prefect bookkeeping. Large collections go to tasks the flow
calls itself wrapped in `quote`: Prefect would otherwise walk every element of them, twice
per task, looking for futures (≈ 0.4 s per 1,000 files). Not to submitted tasks: a Dask
task runner sends their arguments on, and a quoted one arrives as a plain tuple.

Without `PREFECT_API_URL` the flows run on Prefect's ephemeral API; with it, their runs
appear in the Prefect UI.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
from prefect import Flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL
from prefect.utilities.annotations import quote

from flows.extract import FileRead
from flows.delivery import DeliveryFailed
from flows.contracts import CONTRACTS, LINEAGE_COLUMNS, Contract
from flows.workers import BatchRead, check_in_workers, combine, read_batch, render_docs_in_worker, run_in_worker
from flows.workers import start as start_workers
from flows.inbox import InboxScan, check_inbox, relative, scan_inbox
from flows.load import (
    arrived_since, file_states, load_batch, record_duplicates, replace_problems, stored_files, summary_by_unit,
    unit_aliases, waiting_states,
)
from flows.publish import publish_analyst_copy
from flows.problems import open_problems, receipts_to_write, write_problems_csv, write_receipts
from flows.alerts import alert_correction, notify_failure
from flows.report import Report, build_report
from flows.report.pdf import PdfConverter
from flows.periods import between, parse, previous, report_command
from flows.report_delivery import Delivery, report_contacts, send_report, sent_editions
from flows.settings import TIMEZONE, Settings
from flows.tether import tether_temporary_server
from flows.validate import Checks, rule_columns, unit_rules
from flows.warehouse import kept_open, open_warehouse, release
from flows.writer import warehouse_writer

if not PREFECT_API_URL.value():  # a flow run here starts Prefect's temporary server: it ends with us
    tether_temporary_server()

JSON_VALUES = (str, int, float, bool, type(None))


class _Flow(Flow):
    """A Prefect flow whose parameters, all strings, numbers and flags, are recorded as they are:
    Prefect passes each through FastAPI's `jsonable_encoder` (which gives them back unchanged),
    and importing FastAPI for it cost ≈ 0.4 s of every command."""

    def serialize_parameters(self, parameters: dict) -> dict:
        if all(isinstance(value, JSON_VALUES) for value in parameters.values()):
            return dict(parameters)
        return super().serialize_parameters(parameters)


def flow(**options) -> Callable:
    """`prefect.flow`, making a `_Flow`."""
    return lambda function: _Flow(function, **options)

# files extracted, validated and loaded together: up to this many bytes (bounds memory; a
# 2,000-row workbook is ≈ 90 kB) or files (bounds the wait before the first load). Each
# batch pays fixed costs (a Great Expectations run per worker, ≈ 0.18 s each, a DuckDB
# checkpoint, Prefect's bookkeeping of two tasks): 10,000 ten-row files took 19.9 s in
# batches of 1,000, 17.4 s in batches of 2,500, and no less in batches of 5,000
BATCH_BYTES = 16 * 2**20
BATCH_FILES = 2500


REGISTER_NAME_HINTS = ("组织机构", "名册", "班子")
T = TypeVar("T")
REVALIDATE_ROWS = 200_000  # rows checked at once when a new register arrives (bounds memory)


def budgeted(items: list[tuple[T, int]], budget: int, most: int | None = None) -> list[list[T]]:
    """Consecutive groups of (item, weight) within `budget` total weight and `most` items each;
    an item heavier than the budget goes alone."""
    groups: list[list[T]] = []
    weight = 0
    for item, size in items:
        if not groups or (most is not None and len(groups[-1]) >= most) or weight + size > budget:
            groups.append([])
            weight = 0
        groups[-1].append(item)
        weight += size
    return groups


def batches(paths: list[Path]) -> list[list[Path]]:
    """The files of an inbox in batches of at most BATCH_BYTES and BATCH_FILES."""
    return budgeted([(path, path.stat().st_size) for path in paths], BATCH_BYTES, BATCH_FILES)


@dataclass
class IngestResult:
    """What one ingest run did, file by file."""

    run_id: str
    files: pd.DataFrame = field(default_factory=pd.DataFrame)  # path, status, source, unit, period, rows, problems, reason
    new_files: int = 0
    seconds: float = 0.0
    analyst_copy: Path | None = None
    problems_csv: Path | None = None                        # every open problem
    receipts: list[Path] = field(default_factory=list)      # one error receipt (错误回执) per unit
    open_problems: int = 0


def _retry_on_io(task, task_run, state) -> bool:
    """Retry a task only when file or database I/O failed (not on a bug, not on a busy warehouse)."""
    try:
        state.result()
    except (OSError, duckdb.IOException):
        return True
    except Exception:  # noqa: BLE001 - anything else is not worth a retry
        return False
    return False


IO_RETRIES = dict(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_retry_on_io)


@task(cache_policy=NONE, **IO_RETRIES)
def scan(settings: Settings) -> InboxScan:
    """Compare the inbox with the warehouse: new files, copies, unchanged files, files still being written."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        return scan_inbox(con, settings.inbox, settings.settle_seconds)


@task(cache_policy=NONE)
def read_files(paths: list[Path], checks: Checks) -> BatchRead:
    """Read and validate a batch in isolated worker processes; unreadable files come back refused."""
    return read_batch(paths, checks)


def current_checks(settings: Settings) -> Checks:
    """What batches are validated against now: the register's unit names as the warehouse knows them."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        return checks_of(con, settings)


def checks_of(con: duckdb.DuckDBPyConnection, settings: Settings) -> Checks:
    """`current_checks` through a connection already open."""
    return Checks(settings.expectations_dir, {"unit_names": sorted(unit_aliases(con))}, date.today())


@task(cache_policy=NONE, **IO_RETRIES)
def load_files(files: list[FileRead], problems: pd.DataFrame, settings: Settings, run_id: str) -> None:
    """Write the batch into the warehouse in one transaction.

    On one thread: the workers are reading the next batch on the other cores meanwhile, and
    DuckDB's inserts from Arrow gain nothing from a second thread here (measured: 0.58 s of
    CPU per 360,000 rows on one, 0.87 s on two, and no faster)."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        con.execute("set threads = 1")
        load_batch(con, files, problems, settings.inbox, run_id)
        con.execute("reset threads")  # the connection serves the run's later steps (a failed load's is closed)


@task(cache_policy=NONE, **IO_RETRIES)
def revalidate_units(settings: Settings, run_id: str, checked: set[str]) -> int:
    """After a new register: check the units of every live row loaded before it again, so the
    order files arrive in does not matter. `checked`: files of this run validated after it.

    Only the rules that look units up run, over the columns they need, in the workers."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        earlier = sorted(file_id for (file_id,) in con.execute("select file_id from core.files where is_live").fetchall()
                         if file_id not in checked)
        files = stored_files(con, earlier)
        checks = checks_of(con, settings)
        rules = {contract: units for contract in CONTRACTS
                 if (units := unit_rules(settings.expectations_dir, contract.suite))}
        parts = ((contract, records, units) for contract, units in rules.items()
                 for records in _stored_records(con, contract, earlier, settings.expectations_dir, units))
        fresh = check_in_workers(parts, files, checks)
        replace_problems(con, sorted(set().union(*rules.values())), earlier, fresh, run_id)
        return len(fresh)


def _stored_records(con: duckdb.DuckDBPyConnection, contract: Contract, file_ids: list[str], expectations_dir: Path,
                    rules: frozenset[str]) -> Iterator[pa.Table]:
    """The stored records of the given files as `rules` read them, in chunks of about
    REVALIDATE_ROWS rows: the lineage columns and the columns the rules read."""
    needed = rule_columns(expectations_dir, contract.suite, rules)
    columns = LINEAGE_COLUMNS + [c for c in contract.columns() if c in needed]
    counts = con.execute(f"select file_id, count(*) from raw.{contract.table} where list_contains(?, file_id) "
                         "group by file_id order by file_id", [file_ids]).fetchall()
    for chunk in budgeted(counts, REVALIDATE_ROWS):
        yield con.execute(f"select {', '.join(columns)} from raw.{contract.table} where list_contains(?, file_id)",
                          [chunk]).arrow().read_all()


@flow(name="ingest", on_failure=[notify_failure], on_crashed=[notify_failure])
def ingest(warehouse: str | None = None, inbox: str | None = None, reports: str | None = None,
           parallel: int = 1, settle_seconds: float | None = None) -> IngestResult:
    """Extract, validate and load every new file of the inbox (data docs go under `reports`); files
    changed less than `settle_seconds` ago (default: the settings') wait for the next run.

    The whole run holds the warehouse's one writer slot: concurrent ingests queue, never interleave.
    Reading is split into `parallel` tasks per batch, so a Dask task runner
    (`ingest.with_options(task_runner=DaskTaskRunner(…))`) spreads files over its workers;
    files are validated where they were read, and loading stays in the flow, one writer.
    """
    settings = Settings.load(warehouse=warehouse, inbox=inbox, reports_out=reports)
    if settle_seconds is not None:
        settings = replace(settings, settle_seconds=settle_seconds)
    check_inbox(settings.inbox)  # before the warehouse is touched: a wrong path creates nothing
    with warehouse_writer(settings.warehouse), kept_open(settings.warehouse):
        return _ingest(settings, max(1, parallel))


@dataclass
class _Reading:
    """A batch being read and validated by the workers while the flow loads the one before."""

    paths: list[Path]
    futures: list[PrefectFuture]
    after_register: bool  # validated against a register this run loaded

    def result(self) -> BatchRead:
        """The batch's reads in the order of its paths, with all their problems."""
        return combine([future.result() for future in self.futures], self.paths)


def _start_reading(paths: list[Path], parallel: int, checks: Checks, after_register: bool) -> _Reading:
    """Start reading a batch as `parallel` tasks on the flow's task runner; the flow goes on meanwhile."""
    return _Reading(paths, [read_files.submit(paths[i::parallel], checks) for i in range(parallel)
                            if paths[i::parallel]], after_register)


def _ingest(settings: Settings, parallel: int) -> IngestResult:
    """The ingest flow's steps, in order: each is small enough to test alone."""
    run_id = str(flow_run.get_id() or "local")
    started = time.perf_counter()
    found = scan(settings)
    if found.new:
        start_workers()  # their server imports the readers and Great Expectations meanwhile
    get_run_logger().info("inbox %s: %d new, %d copies, %d unchanged, %d still being written", settings.inbox,
                          len(found.new), len(found.duplicates), len(found.unchanged), len(found.waiting))
    loaded = load_batches(plan_batches(found.new), settings, parallel, run_id, started)
    data_docs = write_data_docs.submit(loaded.docs, settings) if loaded.docs else None  # while the rest is written
    if loaded.register_loaded:
        revalidate_units(settings, run_id, quote(loaded.checked))
    states = record_outcomes(settings, found, run_id)
    problems = current_problems(settings)
    # in a worker while the analyst copy is written here
    receipts_written = write_unit_receipts.submit(settings, problems, units_concerned(problems, states))
    analyst = publish(settings)  # also catches up after a run that crashed before publishing
    receipts = receipts_written.result()
    problems_csv = write_problem_list(settings, quote(problems))  # the run's last file
    if data_docs is not None:
        data_docs.result()
    publish_summary(states)
    publish_links(settings, problems_csv, receipts)
    tell_units(settings, quote(problems), receipts)
    return IngestResult(run_id, states, len(found.new), time.perf_counter() - started, analyst,
                        problems_csv, receipts, len(problems))


@dataclass
class Plan:
    """The batches of a run's new files: the register's first, alone, so that the rest is
    checked against it (the file name is the hint; a register found among other files is
    checked against afterwards)."""

    batches: list[list[Path]]
    register_batches: int


def plan_batches(new: list[Path]) -> Plan:
    register = [p for p in new if any(hint in p.name for hint in REGISTER_NAME_HINTS)]
    first = set(register)
    register_batches = batches(register)
    return Plan(register_batches + batches([p for p in new if p not in first]), len(register_batches))


@dataclass
class Loaded:
    """What loading a run's batches left for the steps after it."""

    docs: list[bytes] = field(default_factory=list)      # validation results, for the data docs
    checked: set[str] = field(default_factory=set)       # files validated against a register of this run
    register_loaded: bool = False


def load_batches(plan: Plan, settings: Settings, parallel: int, run_id: str, started: float) -> Loaded:
    """Read and validate each batch in the workers, reading the next while this one is loaded
    (one batch at a time, so two never share the workers); after the register's last batch, the
    next is read only once the register is loaded, against it."""
    loaded, done, rows = Loaded(), 0, 0
    total = sum(len(b) for b in plan.batches)
    checks = current_checks(settings) if plan.batches else None
    reading = _start_reading(plan.batches[0], parallel, checks, False) if plan.batches else None
    followers = plan.batches[1:] + [None] if plan.batches else []  # the batch read while each one is loaded
    for number, following in enumerate(followers):
        batch, reading = reading, None
        release(settings.warehouse, if_waited_for=True)  # while the workers read, a reader waiting gets in
        read = batch.result()
        wait_for_register = number + 1 == plan.register_batches
        if following and not wait_for_register:
            reading = _start_reading(following, parallel, checks, loaded.register_loaded)
        load_files(quote(read.reads), quote(read.problems), settings, run_id)
        loaded.docs += read.results
        if batch.after_register:
            loaded.checked.update(r.file_id for r in read.reads)
        if any(r.refusal is None and r.source == "unit_register" for r in read.reads):
            loaded.register_loaded = True
            checks = current_checks(settings)
        if following and wait_for_register:
            reading = _start_reading(following, parallel, checks, loaded.register_loaded)
        done, rows = done + len(read.reads), rows + sum(r.rows for r in read.reads)
        get_run_logger().info("%d/%d files, %d rows, %.0f rows/s", done, total, rows,
                              rows / max(time.perf_counter() - started, 1e-9))
    return loaded


def record_outcomes(settings: Settings, found: InboxScan, run_id: str) -> pd.DataFrame:
    """Each file of the run with what became of it: copies recorded; new files, copies and the
    files of a run that stopped before its end (a full disk, a kill: their results were never
    shown) as the warehouse now has them; files still being written as waiting."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        if found.duplicates:
            record_duplicates(con, found.duplicates, settings.inbox, run_id)
        touched = [relative(p, settings.inbox) for p in found.new + [p for p, _ in found.duplicates]]
        touched += [path for path in arrived_since(con, last_completed(settings)) if path not in touched]
        states = file_states(con, touched)
    if found.waiting:
        waiting = waiting_states(found.waiting, settings.inbox, settings.settle_seconds)
        states = pd.concat([states, waiting], ignore_index=True) if len(states) else waiting
    return states


@task(cache_policy=NONE)
def write_data_docs(results: list[bytes], settings: Settings) -> Path:
    """Great Expectations' data docs of this run's validations, rendered in a worker."""
    return render_docs_in_worker(results, settings.expectations_dir, settings.data_docs)


def last_completed(settings: Settings) -> datetime | None:
    """When the last ingest that ran to its end finished: the problem list is its last file."""
    listed = settings.problem_list
    return datetime.fromtimestamp(listed.stat().st_mtime) if listed.exists() else None


def current_problems(settings: Settings) -> pd.DataFrame:
    """Every open problem in the warehouse now."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        return open_problems(con)


def units_concerned(problems: pd.DataFrame, states: pd.DataFrame) -> set[str]:
    """The units whose error receipt this run's files (`states`) change: the units that sent
    them, and those the open problems of these files are counted under."""
    if states.empty:
        return set()
    return set(states["unit"].dropna()) | set(problems.loc[problems["path"].isin(set(states["path"])), "unit_name"])


@task(cache_policy=NONE, **IO_RETRIES)
def write_unit_receipts(settings: Settings, problems: pd.DataFrame, units: set[str]) -> list[Path]:
    """One error receipt per unit with open problems (`problems`), to send back: those of `units`
    rewritten, the others kept, and those of units with no open problem left removed."""
    if receipts_to_write(problems, settings.receipts, units):
        # the receipts re-read the sheets people sent: in a worker, under its memory cap
        return run_in_worker(write_receipts, problems, settings.inbox, settings.receipts, units)
    # no receipt to rewrite, no sheet to read: no worker to start (≈ 3 s)
    return write_receipts(problems, settings.inbox, settings.receipts, units)


@task(cache_policy=NONE, **IO_RETRIES)
def write_problem_list(settings: Settings, problems: pd.DataFrame) -> Path:
    """Every open problem, as problems.csv: an ingest's last file (`last_completed`)."""
    # closed, its last changes written into the file, before the problem list is written: a list
    # newer than the warehouse says that the run completed (cli._nothing_new)
    release(settings.warehouse)
    return write_problems_csv(problems, settings.problem_list)


def _link(path: Path, label: str = "", text: str | None = None) -> str:
    """A Markdown list item linking to a file this run wrote."""
    return f"- {label + ': ' if label else ''}[{text or path.name}]({path.resolve().as_uri()})"


@task(cache_policy=NONE)
def tell_units(settings: Settings, problems: pd.DataFrame, receipts: list[Path]) -> None:
    """Send each unit its error receipt (`problems`: the open problems they were written from) by
    its contacts in the recipients file, when there is one (a mistake in it is logged and
    nothing is sent; the ingest itself stands)."""
    from flows.recipients import RecipientsError
    from flows.reminders import send_receipts, unit_contacts

    if not settings.recipients.exists():
        return
    logger = get_run_logger()
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        try:
            contacts = unit_contacts(con, settings.recipients)
        except RecipientsError as error:
            logger.error("error receipts not sent: %s", error)
            return
        outcomes = send_receipts(con, problems, receipts, contacts, settings.sent_dir)
    for outcome in outcomes:
        if outcome.status == "failed":
            logger.warning("error receipt to %s by %s failed (the next ingest sends it): %s",
                           outcome.recipient, outcome.channel, outcome.answer)


def publish_links(settings: Settings, problems_csv: Path, receipts: list[Path]) -> None:
    """Links to what this run wrote for people: data docs, the problem list, the error receipts."""
    index = settings.data_docs / "index.html"
    links = [_link(index, "数据校验报告 / data docs", str(index)),
             _link(problems_csv, "未解决的数据问题 / open problems")]
    links += [_link(p, "错误回执 / error receipt") for p in receipts]
    create_markdown_artifact(key="ingest-links", markdown="\n".join(links),
                             description="本次导入的数据校验报告、问题清单与错误回执")


@task(cache_policy=NONE, **IO_RETRIES)
def publish(settings: Settings) -> Path:
    """Bring the read-only analyst copy up to date, personal data masked."""
    with open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        return publish_analyst_copy(con, settings.warehouse)


def publish_summary(files: pd.DataFrame) -> None:
    """The run's files and problems by unit, as a table artifact in the Prefect UI."""
    if files.empty:
        return
    summary = summary_by_unit(files).rename(columns={
        "unit": "单位", "files": "文件", "rows_loaded": "入库行数", "rows_quarantined": "暂存待改行数", "files_refused": "退回文件"})
    create_table_artifact(
        key="ingest-summary", table=summary.to_dict("records"),
        description=f"本次导入 {len(files)} 个文件：" + "，".join(
            f"{status} {count} 个" for status, count in files["status"].value_counts().sort_index().items()),
    )


def _report_run_name() -> str:
    parameters = flow_run.get_parameters()
    return f"report-{parameters['kind']}-{parameters.get('period') or 'previous'}"


@flow(name="report", flow_run_name=_report_run_name, on_failure=[notify_failure], on_crashed=[notify_failure])
def report(kind: str, period: str | None = None, end: str | None = None, scope: str | None = None,
           warehouse: str | None = None, out: str | None = None, pdf: bool = False, send: bool = False,
           correction: bool = False) -> Report:
    """Write a report: kind weekly (period 2021-W05), monthly (2021-03), annual or duty (2021, optional end date).

    Without a period (a scheduled run), the last complete period before the run's scheduled time
    in Asia/Shanghai. With `send`, it goes to its recipients (report_delivery.py); a 更正版 with
    changed figures only with `correction`, else the run says so and waits for a person.
    """
    settings = Settings.load(warehouse=warehouse, reports_out=out)
    logger = get_run_logger()
    if period is None:
        period = previous(kind, scheduled_day())
        logger.info("reporting on the last complete period: %s", period)
    chosen = parse(kind, period, date.fromisoformat(end) if end else None)
    with PdfConverter() if pdf else nullcontext() as converter:  # LibreOffice starts while it is built
        with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
            sent = None if scope else sent_editions(con, kind, chosen.label)
            result = build_report(con, settings, chosen, scope, sent)
        if converter is not None:
            result.pdf = converter.convert(result.docx)
    logger.info("wrote %s", result.docx)
    for change in result.changes:
        logger.warning("data for this period changed since the last build: %s", change)
    if result.missing_notes:
        logger.warning("left 【待补充】 for %s: write them in %s", "、".join(result.missing_notes), result.notes)
    links = [_link(path) for path in (result.docx, result.evidence, result.pdf) if path]
    create_markdown_artifact(key=f"report-{kind}", markdown="\n".join(links),
                             description=f"{result.docx.stem}：报告与证据文件")
    if send:
        result.delivery = send_to_recipients(settings, result, kind, period, end, correction)
    return result


def send_to_recipients(settings: Settings, result: Report, kind: str, period: str, end: str | None,
                       correction: bool) -> Delivery:
    """The report to its recipients; a 更正版 waiting for a person is logged, shown and alerted; a
    channel that failed fails the run (recorded: the next run sends it)."""
    from flows.recipients import RecipientsError

    logger = get_run_logger()
    try:
        contacts = report_contacts(settings, kind)
    except RecipientsError as error:
        if settings.recipients.exists():
            raise
        logger.warning("nothing sent: %s", error)
        return Delivery(reason=str(error))
    delivery = send_report(settings, result, kind, contacts, correction)
    if delivery.waiting:
        changed = "; ".join(f"{key}: {old} → {new}" for key, old, new in result.corrections)
        command = report_command(kind, period, end, "--send", "--correction")
        logger.warning("更正版 not sent: %s (%s); a person sends it with `%s`", delivery.reason, changed, command)
        create_markdown_artifact(key=f"correction-{kind}", markdown=f"**{result.title}** 待确认后发送：{changed}",
                                 description="更正版待发送")
        alert_correction(result.title, changed, command)
    elif delivery.reason:
        logger.info("nothing sent: %s", delivery.reason)
    for outcome in delivery.outcomes:
        logger.info("%s %s → %s by %s", outcome.status, result.docx.name, outcome.recipient, outcome.channel)
    if delivery.failed:
        raise DeliveryFailed(f"{len(delivery.failed)} delivery(ies) of {result.docx.name} could not be sent (recorded "
                             "in raw.deliveries, with the answer): the next run with --send sends them")
    return delivery


@flow(name="backfill", flow_run_name="backfill-{kind}-{first}-{last}", on_failure=[notify_failure])
def backfill(kind: str, first: str, last: str, scope: str | None = None, warehouse: str | None = None,
             out: str | None = None, pdf: bool = False) -> list[Report]:
    """One report flow run per period from `first` to `last`, in order, each with its period as parameter."""
    periods = between(kind, first, last)
    get_run_logger().info("backfilling %d %s reports: %s … %s", len(periods), kind, periods[0], periods[-1])
    return [report(kind, period, scope=scope, warehouse=warehouse, out=out, pdf=pdf) for period in periods]


def scheduled_day():
    """The date (Asia/Shanghai) this flow run was scheduled for; today outside a scheduled run."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(str(flow_run.get_scheduled_start_time())).astimezone(ZoneInfo(TIMEZONE)).date()


@dataclass
class DemoResult:
    inbox: Path
    warehouse: Path
    report: Report
    problems: Path
    receipts: list[Path]
    problem_count: int
    ingest: IngestResult


DEMO_MONTH = "2021-12"


@flow(name="remind", flow_run_name="remind-{month}", on_failure=[notify_failure], on_crashed=[notify_failure])
def remind(month: str | None = None, warehouse: str | None = None) -> int:
    """催报: remind each unit that has not sent `month`'s ledger (YYYY-MM; scheduled: last month in
    Asia/Shanghai) by its contacts, once; the run fails, and alerts, when a reminder could not be
    sent (the next run sends it). Returns the reminders sent."""
    from flows.reminders import owed_ledgers, send_reminders, unit_contacts

    settings = Settings.load(warehouse=warehouse)
    month = month or previous("monthly", scheduled_day())
    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        owed = owed_ledgers(con, month)
        contacts = unit_contacts(con, settings.recipients)
    outcomes = send_reminders(settings, owed, contacts)
    logger = get_run_logger()
    for reminder, outcome in outcomes:
        if outcome is None:
            logger.warning("no contact for %s: add it to %s", reminder.unit_name, settings.recipients)
        else:
            logger.info("%s %s → %s by %s", outcome.status, reminder.unit_name, outcome.recipient, outcome.channel)
    failed = [o for _, o in outcomes if o is not None and o.status == "failed"]
    if failed:
        raise DeliveryFailed(f"{len(failed)} reminder(s) could not be sent (recorded in raw.deliveries); the next "
                           "run sends them")
    return sum(1 for _, o in outcomes if o is not None and o.status == "sent")


@flow(name="demo")
def demo(out: str | None = None, warehouse: str | None = None, inbox: str | None = None) -> DemoResult:
    """Write the demo inbox, ingest it and write the monthly report for its last month."""
    from flows.demo import write_demo_inbox

    settings = Settings.load(warehouse=warehouse, inbox=inbox)
    if out:
        settings = settings.under(out)
    files = write_demo_inbox(settings.inbox)
    get_run_logger().info("demo inbox: %d files in %s", len(files), settings.inbox)
    # the demo writes its inbox whole, just now: nothing there is still being copied in
    ingested = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out),
                      settle_seconds=0)
    monthly = report("monthly", DEMO_MONTH, warehouse=str(settings.warehouse), out=str(settings.reports_out))
    return DemoResult(settings.inbox, settings.warehouse, monthly, ingested.problems_csv, ingested.receipts,
                      ingested.open_problems, ingested)
