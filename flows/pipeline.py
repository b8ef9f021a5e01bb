"""The Prefect flows: ingest, the monthly report, and the demo that runs both.

Each flow reads like a table of contents; the steps are coarse tasks (a batch of files, a
stage), because each task costs Prefect bookkeeping. Without `PREFECT_API_URL` the flows
run on Prefect's ephemeral API; with it, their runs appear in the Prefect UI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.runtime import flow_run

from flows.extract import FileRead, to_frame
from flows.extract.pool import extract_many
from flows.extract.contracts import CONTRACTS
from flows.load import (
    InboxScan, file_states, load_batch, record_duplicates, relative, replace_problems, scan_inbox, stored_files,
    summary_by_unit, unit_aliases,
)
from flows.publish import publish_analyst_copy
from flows.problems import open_problems, write_problems_csv, write_receipts
from flows.report import Report, build_monthly
from flows.settings import Settings
from flows.validate import PROBLEM_COLUMNS, read_suite, refusal_problems, validate_records
from flows.warehouse import open_warehouse

BATCH_FILES = 64  # files extracted, validated and loaded together (bounds memory)
REGISTER_NAME_HINTS = ("组织机构", "名册", "班子")


@dataclass
class IngestResult:
    """What one ingest run did, file by file."""

    run_id: str
    files: pd.DataFrame = field(default_factory=pd.DataFrame)  # path, status, source, unit, period, rows, problems, reason
    new_files: int = 0
    seconds: float = 0.0
    analyst_copy: Path | None = None


@task(cache_policy=NONE)
def scan(settings: Settings) -> InboxScan:
    """Compare the inbox with the warehouse: new files, copies, unchanged files."""
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        return scan_inbox(con, settings.inbox)


@task(cache_policy=NONE)
def extract_files(paths: list[Path]) -> list[FileRead]:
    """Read a batch of files into records, in isolated worker processes; unreadable files come back refused."""
    return extract_many(paths)


@task(cache_policy=NONE)
def validate_batch(files: list[FileRead], settings: Settings) -> pd.DataFrame:
    """Run each source's suite over the batch's records at once; refused files are problems too."""
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        parameters = {"unit_names": sorted(unit_aliases(con))}
    by_id = {f.file_id: f for f in files}
    problems = [refusal_problems(files)]
    for contract in CONTRACTS:
        tables = [f.tables[contract.table] for f in files if contract.table in f.tables]
        if tables:
            records = to_frame(pa.concat_tables(tables, promote_options="permissive"))
            problems.append(validate_records(records, contract, settings.expectations_dir, by_id, parameters,
                                             docs_dir=settings.data_docs))
    return pd.concat([p for p in problems if not p.empty] or [problems[0]], ignore_index=True)


@task(cache_policy=NONE)
def load_files(files: list[FileRead], problems: pd.DataFrame, settings: Settings, run_id: str) -> None:
    """Write the batch into the warehouse in one transaction."""
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        load_batch(con, files, problems, settings.inbox, run_id)


@task(cache_policy=NONE)
def revalidate_units(settings: Settings, run_id: str) -> int:
    """After a new register: check every live row's units again, so the order files arrive in does not matter."""
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        files = stored_files(con)
        parameters = {"unit_names": sorted(unit_aliases(con))}
        found, rules = [], []
        for contract in CONTRACTS:
            suite = read_suite(settings.expectations_dir, contract.suite)
            unit_rules = [e["meta"]["rule"] for e in suite["expectations"]
                          if e["kwargs"].get("value_set") == {"$PARAMETER": "unit_names"}]
            if not unit_rules:
                continue
            rules += unit_rules
            records = con.execute(f"select r.* from raw.{contract.table} r join core.files f using (file_id) "
                                  "where f.is_live").arrow().read_all()
            if records.num_rows:
                problems = validate_records(to_frame(records), contract, settings.expectations_dir, files, parameters)
                found.append(problems[problems["rule"].isin(unit_rules)])
        fresh = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=PROBLEM_COLUMNS)
        replace_problems(con, sorted(set(rules)), sorted(files), fresh, run_id)
        return len(fresh)


def _batches(reads: list[FileRead]) -> list[list[FileRead]]:
    """The register's files first (every other source resolves units against it), then the rest."""
    register = [r for r in reads if r.source == "unit_register"]
    rest = [r for r in reads if r.source != "unit_register"]
    return [b for b in (register, rest) if b]


@flow(name="ingest")
def ingest(warehouse: str | None = None, inbox: str | None = None, reports: str | None = None) -> IngestResult:
    """Extract, validate and load every new file of the inbox (data docs go under `reports`)."""
    logger = get_run_logger()
    settings = Settings.load(warehouse=warehouse, inbox=inbox, reports_out=reports)
    run_id = str(flow_run.get_id() or "local")
    started = time.perf_counter()
    found = scan(settings)
    logger.info("inbox %s: %d new, %d copies, %d unchanged",
                settings.inbox, len(found.new), len(found.duplicates), len(found.unchanged))

    # the register goes first so that the rest can be checked against it; within a batch the
    # headers decide, across batches the file name is the hint (the register usually comes alone)
    register_paths = [p for p in found.new if any(hint in p.name for hint in REGISTER_NAME_HINTS)]
    other_paths = [p for p in found.new if p not in register_paths]
    done = rows = 0
    loaded_sources: list[FileRead] = []
    for group in (register_paths, other_paths):
        for offset in range(0, len(group), BATCH_FILES):
            reads = extract_files(group[offset:offset + BATCH_FILES])
            loaded_sources += [r for r in reads if r.refusal is None and r.source == "unit_register"]
            for batch in _batches(reads):
                load_files(batch, validate_batch(batch, settings), settings, run_id)
            done += len(reads)
            rows += sum(r.rows for r in reads)
            elapsed = time.perf_counter() - started
            logger.info("%d/%d files, %d rows, %.0f rows/s", done, len(found.new), rows, rows / max(elapsed, 1e-9))

    if any(r.source == "unit_register" for r in loaded_sources):
        revalidate_units(settings, run_id)

    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        if found.duplicates:
            record_duplicates(con, found.duplicates, settings.inbox, run_id)
        touched = found.new + [p for p, _ in found.duplicates]
        states = file_states(con, [relative(p, settings.inbox) for p in touched])
    analyst = publish(settings)
    publish_summary(states)
    return IngestResult(run_id, states, len(found.new), time.perf_counter() - started, analyst)


@task(cache_policy=NONE)
def publish(settings: Settings) -> Path:
    """Publish the read-only analyst copy, personal data masked."""
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
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


@flow(name="report-monthly")
def report_monthly(month: str, warehouse: str | None = None, out: str | None = None,
                   scope: str | None = None) -> Report:
    """Write the monthly progress report for a month (YYYY-MM)."""
    settings = Settings.load(warehouse=warehouse, reports_out=out)
    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        report = build_monthly(con, settings, month, scope)
    get_run_logger().info("wrote %s", report.docx)
    return report


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


@flow(name="demo")
def demo(out: str | None = None, warehouse: str | None = None, inbox: str | None = None) -> DemoResult:
    """Write the demo inbox, ingest it and write the monthly report for its last month."""
    from flows.demo import write_demo_inbox

    settings = Settings.load(warehouse=warehouse, inbox=inbox)
    if out:
        settings = settings.under(out)
    files = write_demo_inbox(settings.inbox)
    get_run_logger().info("demo inbox: %d files in %s", len(files), settings.inbox)
    ingested = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    report = report_monthly(DEMO_MONTH, warehouse=str(settings.warehouse), out=str(settings.reports_out))
    with open_warehouse(settings.warehouse, settings.sql_dir) as con:
        problems = open_problems(con)
    path = write_problems_csv(problems, settings.reports_out / "problems.csv")
    receipts = write_receipts(problems, settings.inbox, settings.reports_out / "receipts")
    return DemoResult(settings.inbox, settings.warehouse, report, path, receipts, len(problems), ingested)
