"""The `taizhang` command: thin commands over the flows and the warehouse.

Pipeline commands (demo, ingest, report) run as Prefect flows; query commands (metrics,
problems, dictionary) are plain reads of the warehouse and answer at once.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flows.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = {
    "taizhang": "  taizhang demo\n  taizhang ingest --inbox /data/inbox\n"
                "  taizhang metrics --start 2021-01-01 --end 2021-12-31 --format table\n"
                "  taizhang report monthly --month 2021-12",
    "demo": "  taizhang demo\n  taizhang demo --out /tmp/taizhang-demo",
    "ingest": "  taizhang ingest\n  taizhang --warehouse /data/taizhang.duckdb ingest --inbox /data/inbox\n"
              "  taizhang ingest --dask tcp://10.0.0.5:8786 --parallel 8",
    "metrics": "  taizhang metrics --start 2021-01-01 --end 2021-12-31\n"
               "  taizhang metrics --start 2021-03-01 --end 2021-03-31 --scope 机关党支部 --format table\n"
               "  taizhang metrics --start 2021-01-01 --end 2021-12-31 --explain party_lectures",
    "remind": "  taizhang remind --month 2021-07 --dry-run",
    "deliveries": "  taizhang deliveries\n  taizhang deliveries --period 2021-07 --format json",
    "serve": "  taizhang serve\n  PREFECT_API_URL=http://127.0.0.1:4200/api taizhang serve",
    "backfill": "  taizhang backfill monthly --from 2021-01 --to 2021-12\n"
                "  taizhang backfill weekly --from 2021-W01 --to 2021-W52 --out /tmp/weekly",
    "dictionary": "  taizhang dictionary\n  taizhang dictionary --out docs/dictionary.md",
    "report": "  taizhang report monthly --month 2021-12\n  taizhang report annual --year 2021 --pdf\n"
              "  taizhang report monthly --month 2021-12 --pdf --send",
    "problems": "  taizhang problems\n  taizhang problems --unit 机关党支部 --format json\n"
                "  taizhang problems --format xlsx --out /tmp/receipts",
    "weekly": "  taizhang report weekly --week 2021-W49\n"
              "  taizhang report weekly --week 2021-W49 --scope 机关第一党支部 --pdf",
    "monthly": "  taizhang report monthly --month 2021-12 --out reports/out\n"
               "  taizhang report monthly --month 2021-12 --scope 市社科联党总支\n"
               "  taizhang report monthly --month 2021-12 --send               # to its recipients\n"
               "  taizhang report monthly --month 2021-12 --send --correction  # the 更正版 of a sent month",
    "annual": "  taizhang report annual --year 2021 --pdf\n"
              "  taizhang report annual --year 2021 --end 2021-11-30",
    "duty": "  taizhang report duty --year 2021 --end 2021-12-20\n"
            "  taizhang report duty --year 2021 --end 2021-12-20 --pdf --out /tmp/reports",
}


REPORT_KINDS = (  # kind, help, description (its period option: periods.PERIOD_OPTIONS)
    ("weekly", "the weekly progress report (周报)",
     "Write the weekly progress report (周报) for an ISO week, Monday to Sunday."),
    ("monthly", "the monthly progress report (月报)",
     "Write the monthly progress report (月报) for one calendar month: tables by type and unit, "
     "month-on-month change, publicity figures and a chart."),
    ("annual", "the annual summary (年度总结)",
     "Write the annual summary (年度总结) for a year, or up to a cut-off date."),
    ("duty", "the duty report (述职报告)",
     "Write the duty report (述职报告) for a year up to a cut-off date."),
)


def _parser_kwargs(name: str, description: str) -> dict:
    return {
        "description": description,
        "epilog": "示例 / Examples:\n" + EXAMPLES[name],
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"dates are written YYYY-MM-DD, not {text!r}") from None


def _report_options(parser: argparse.ArgumentParser) -> None:
    """What every command that writes reports takes."""
    parser.add_argument("--scope", metavar="UNIT", help="report on one unit and the units under it")
    parser.add_argument("--out", metavar="DIR", help="output folder (default reports/out/)")
    parser.add_argument("--pdf", action="store_true", help="also write a PDF (LibreOffice headless)")


def build_parser() -> argparse.ArgumentParser:
    """The command line: global --warehouse/--inbox, then one sub-command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", metavar="FILE", default=argparse.SUPPRESS,
                        help="the DuckDB warehouse (env TAIZHANG_WAREHOUSE; default warehouse/taizhang.duckdb)")
    common.add_argument("--inbox", metavar="DIR", default=argparse.SUPPRESS,
                        help="the inbox folder (env TAIZHANG_INBOX; default inbox/)")

    parser = argparse.ArgumentParser(
        prog="taizhang", parents=[common],
        **_parser_kwargs("taizhang", "台账 taizhang: activity ledgers → DuckDB warehouse → official progress reports."),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="write a demo inbox, ingest it, write a monthly report",
                               **_parser_kwargs("demo", "Write a fictional unit's year of submissions (2021), "
                                                "ingest it and write the monthly report for 2021-12."))
    demo.add_argument("--out", metavar="DIR", help="put the inbox, warehouse and reports in DIR "
                      "(default: the usual inbox/, warehouse/ and reports/out/)")

    ingest = commands.add_parser("ingest", parents=[common], help="extract, validate and load every new inbox file",
                                 **_parser_kwargs("ingest", "Extract, validate and load every new file of the inbox. "
                                                  "Files already loaded are skipped; copies are recorded as "
                                                  "duplicates. With --dask, extraction runs on a Dask cluster; "
                                                  "the warehouse is still written by this process alone."))
    ingest.add_argument("--dask", metavar="ADDRESS",
                        help="Dask scheduler to extract on, e.g. tcp://10.0.0.5:8786 (env TAIZHANG_DASK_ADDRESS)")
    ingest.add_argument("--parallel", type=int, default=None, metavar="N",
                        help="extraction tasks per batch of files (default 1; 4 with --dask)")

    metrics = commands.add_parser("metrics", parents=[common], help="print metric values for a period",
                                  **_parser_kwargs("metrics", "Print every metric (ids as in metrics.md) "
                                                   "for a period and a scope. A plain read: no flow run."))
    metrics.add_argument("--start", required=True, type=_iso_date, metavar="YYYY-MM-DD", help="first day (inclusive)")
    metrics.add_argument("--end", required=True, type=_iso_date, metavar="YYYY-MM-DD", help="last day (inclusive)")
    metrics.add_argument("--scope", metavar="UNIT", help="a unit of the register (name or alias) and the units under it")
    metrics.add_argument("--format", choices=("json", "table"), default="json", help="json (default) or table")
    metrics.add_argument("--explain", metavar="ID", help="list the source rows (file, sheet, row) behind one metric")

    problems = commands.add_parser("problems", parents=[common], help="list open data problems or write error receipts",
                                   **_parser_kwargs("problems", "List the open data problems: file, sheet, row, column, "
                                                    "original value and reason. With --format xlsx, write one error "
                                                    "receipt (错误回执) per unit: its original rows with the bad cells "
                                                    "marked and a reason column, ready to fix and send again."))
    problems.add_argument("--unit", metavar="UNIT", help="only this unit's problems (name or alias)")
    problems.add_argument("--format", choices=("table", "json", "xlsx"), default="table", help="table (default), json or xlsx")
    problems.add_argument("--out", metavar="DIR", help="where receipts go (default reports/out/receipts/)")

    remind = commands.add_parser("remind", parents=[common], help="remind units of a month's missing ledger (催报)",
                                 **_parser_kwargs("remind", "Remind each unit that owes a month's activity ledger "
                                                  "and has not sent it (the submission calendar of "
                                                  "reports/rules.yaml), by its contact in reports/recipients.yaml."))
    remind.add_argument("--month", required=True, metavar="YYYY-MM", help="the month whose ledger is owed")
    remind.add_argument("--dry-run", action="store_true", help="print who would be told what; send nothing")

    deliveries = commands.add_parser("deliveries", parents=[common], help="what was sent to whom, when, what failed",
                                     **_parser_kwargs("deliveries", "List every delivery recorded in raw.deliveries: "
                                                      "what, period, recipient, channel, status, when."))
    deliveries.add_argument("--period", metavar="PERIOD", help="only this period, e.g. 2021-10")
    deliveries.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")

    serve = commands.add_parser("serve", parents=[common], help="run the scheduled deployments from this process",
                                **_parser_kwargs("serve", "Serve the scheduled deployments (hourly ingest on working "
                                                 "days, weekly, monthly and annual reports; cron in Asia/Shanghai) "
                                                 "from this process until it is stopped. Schedules stay active "
                                                 "across restarts."))
    serve.add_argument("--port", type=int, default=None,
                       help="the port of the Prefect server (and UI) started here when PREFECT_API_URL is not set "
                            "(env TAIZHANG_SERVE_PORT, default 4200: where other commands look for it)")

    backfill = commands.add_parser("backfill", parents=[common], help="write the reports of a range of periods",
                                   **_parser_kwargs("backfill", "Write one report per period, in order, each as "
                                                    "its own Prefect flow run with the period as parameter."))
    backfill.add_argument("kind", choices=("weekly", "monthly"), help="weekly (YYYY-Www) or monthly (YYYY-MM)")
    backfill.add_argument("--from", dest="first", required=True, metavar="PERIOD", help="first period")
    backfill.add_argument("--to", dest="last", required=True, metavar="PERIOD", help="last period (inclusive)")
    _report_options(backfill)

    dictionary = commands.add_parser("dictionary", parents=[common], help="print the data dictionary as Markdown",
                                     **_parser_kwargs("dictionary", "Print every table, view and macro of the "
                                                      "warehouse and every column, with its Chinese and English "
                                                      "comment, as Markdown. Read from the warehouse when it exists, "
                                                      "else from the models in sql/."))
    dictionary.add_argument("--out", metavar="FILE", help="write the Markdown to FILE instead of printing it")

    report = commands.add_parser("report", parents=[common], help="write a periodic report (.docx)",
                                 **_parser_kwargs("report", "Write a periodic report as an official .docx (GB/T 9704), "
                                                  "its evidence file beside it (every figure with the file, sheet "
                                                  "and row behind it), and optionally a PDF. Templates: "
                                                  "reports/templates/; the analyst's text per report: reports/notes/."))
    kinds = report.add_subparsers(dest="kind", required=True, metavar="KIND")
    from flows.periods import PERIOD_OPTIONS

    for kind, help_text, description in REPORT_KINDS:
        parser_ = kinds.add_parser(kind, parents=[common], help=help_text,
                                   **_parser_kwargs(kind, description))
        option, metavar = PERIOD_OPTIONS[kind]
        parser_.add_argument(option, required=True, metavar=metavar, dest="period", help="the period to report on")
        if kind in ("annual", "duty"):
            parser_.add_argument("--end", required=kind == "duty", type=_iso_date, metavar="YYYY-MM-DD",
                                 help="cut-off date" + (" (default 31 December)" if kind == "annual" else ""))
        _report_options(parser_)
        parser_.add_argument("--send", action="store_true",
                             help="send it to its recipients (reports/recipients.yaml), once per recipient")
        parser_.add_argument("--correction", action="store_true",
                             help="with --send: send the 更正版 of a period already sent whose figures changed")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(warehouse=getattr(args, "warehouse", None), inbox=getattr(args, "inbox", None))


NOTHING_NEW = "没有新文件 / nothing new in the inbox"


def print_ingest(files: pd.DataFrame) -> None:
    """Every file of the run with its state, then one line per unit."""
    from flows.load import summary_by_unit

    if (files["status"] == "waiting").all():
        print(NOTHING_NEW + ("（仍在写入的文件等下次导入）" if len(files) else ""))
    for row in files.itertuples():
        detail = f"{row.rows} 行" if row.status in ("loaded", "superseded") else (row.reason or "")
        held = f"，{row.problems} 个问题" if row.problems else ""
        print(f"  {row.status:<10} {row.path}  {detail}{held}")
    if (files["status"] == "waiting").all():
        return
    print("按单位 / by unit:")
    for row in summary_by_unit(files).itertuples():
        print(f"  {row.unit}: 入库 {row.rows_loaded} 行，暂存待改 {row.rows_quarantined} 行，退回文件 {row.files_refused} 个")


def _problems(args: argparse.Namespace, settings: Settings) -> int:
    """`taizhang problems`: a plain read of the open problems."""
    import pandas as pd

    from flows.metrics import resolve_scope
    from flows.problems import open_problems, write_receipts
    from flows.warehouse import open_warehouse

    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        problems = open_problems(con, resolve_scope(con, args.unit))
    if args.format == "json":
        problems["first_seen_at"] = problems["first_seen_at"].astype(str)
        records = problems.astype(object).where(problems.notna(), None).to_dict("records")
        print(json.dumps(records, ensure_ascii=False, indent=2))
    elif args.format == "xlsx":
        out = Path(args.out) if args.out else settings.receipts
        for path in write_receipts(problems, settings.inbox, out):
            print(path)
    elif problems.empty:
        print("没有未解决的数据问题 / no open problems")
    else:
        for p in problems.itertuples():
            place = f"{p.sheet} 第{int(p.row_number)}行 {p.column_letter or ''}列" if pd.notna(p.row_number) else "整个文件"
            print(f"{p.unit_name}\t{p.path}\t{place}\t{p.reason}")
        print(f"共 {len(problems)} 个问题，涉及 {problems['unit_name'].nunique()} 个单位")
    return 0


def _dictionary(args: argparse.Namespace, settings: Settings) -> int:
    """`taizhang dictionary`: the comments of the warehouse, as Markdown."""
    import duckdb

    from flows.dictionary import markdown
    from flows.warehouse import build, open_warehouse

    if settings.warehouse.exists():
        with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
            text = markdown(con)
    else:
        with duckdb.connect() as con:
            build(con, settings.sql_dir)
            text = markdown(con)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(args.out)
    else:
        print(text)
    return 0


def _metrics(args: argparse.Namespace, settings: Settings) -> int:
    """`taizhang metrics`: a plain read of the metric values, or of the rows behind one."""
    from flows.metrics import evidence, metric_table
    from flows.warehouse import open_warehouse

    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        if args.explain:
            rows = evidence(con, args.start, args.end, args.scope, args.explain)
        else:
            table = metric_table(con, args.start, args.end, args.scope)
    if args.explain:
        for row in rows.itertuples():
            print(f"{row.path}\t{row.sheet}\t{row.row_number}")
        print(f"{args.explain}: {len(rows)} 行来源 / source rows", file=sys.stderr)
        return 0
    if args.format == "json":
        print(json.dumps(dict(zip(table["metric_id"], table["value"])), ensure_ascii=False, indent=2))
    else:
        width = max(map(len, table["metric_id"]))
        for row in table.itertuples():
            value = row.value if not isinstance(row.value, dict) else "，".join(
                f"{item}{v['quantity']}{v['unit'] or ''}" for item, v in row.value.items()) or "（无）"
            print(f"{row.metric_id:<{width}}  {row.label}\t{value}")
    return 0


def _remind(args: argparse.Namespace, settings: Settings) -> int:
    """`taizhang remind --month YYYY-MM --dry-run`: who would be reminded (催报) of that month's ledger."""
    from flows.recipients import RecipientsError
    from flows.reminders import owed_ledgers, unit_contacts
    from flows.warehouse import open_warehouse

    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        owed = owed_ledgers(con, args.month)
        try:
            contacts = unit_contacts(con, settings.recipients)
        except RecipientsError as error:
            if settings.recipients.exists():
                raise
            contacts = {}
            print(f"（{error}）")
    if not owed:
        print(f"{args.month}：各单位均已报送活动台账，无需催报 / every unit has sent its ledger")
    if args.dry_run:
        for reminder in owed:
            contact = contacts.get(reminder.unit_name)
            to = contact.describe() if contact else f"（{settings.recipients.name} 中没有该单位的联系方式 / no contact）"
            print(f"{reminder.unit_name} → {to}\n  {reminder.text}")
        return 0
    return _send_reminders(settings, owed, contacts)


def _send_reminders(settings: Settings, owed: list, contacts: dict) -> int:
    """Each reminder to its unit's contacts (flows/reminders.py); exit 1 when some could not be sent."""
    from flows.reminders import send_reminders

    failed = 0
    for reminder, outcome in send_reminders(settings, owed, contacts):
        if outcome is None:
            print(f"  no contact   {reminder.unit_name}: add it to {settings.recipients}")
            continue
        failed += outcome.status == "failed"
        print(f"  {outcome.status:<12} {reminder.unit_name} → {outcome.recipient} by {outcome.channel}"
              + (f": {outcome.answer}" if outcome.status == "failed" else ""))
    if failed:
        print(f"{failed} reminder(s) could not be sent (see above; recorded in raw.deliveries): the next "
              "`taizhang remind` sends them", file=sys.stderr)
        return 1
    return 0


def _deliveries(args: argparse.Namespace, settings: Settings) -> int:
    """`taizhang deliveries`: what was sent to whom, when, and what failed."""
    from flows.warehouse import open_warehouse

    with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True) as con:
        rows = con.execute("select what, period_label, recipient, channel, delivery_status, attempts, "
                           "strftime(sent_at, '%Y-%m-%d %H:%M:%S') as sent_at, answer from raw.deliveries "
                           "where ? is null or period_label = ? order by sent_at, recipient, channel",
                           [args.period, args.period]).df()
    if args.format == "json":
        print(json.dumps(rows.astype(object).where(rows.notna(), None).to_dict("records"), ensure_ascii=False, indent=2))
    elif rows.empty:
        print("尚无发送记录 / nothing sent yet")
    for row in rows.itertuples() if args.format == "table" else ():
        failed = f"  ← {row.answer}" if row.delivery_status == "failed" else ""
        print(f"{row.sent_at}  {row.delivery_status:<7} {row.what} {row.period_label}  → {row.recipient} by "
              f"{row.channel}{failed}")
    return 0


PLAIN_COMMANDS = {"dictionary": _dictionary, "problems": _problems, "metrics": _metrics, "remind": _remind,
                  "deliveries": _deliveries}


def _user_errors() -> tuple[type[Exception], ...]:
    """What a command reports in one line (exit 2) instead of a traceback: the user can act on it."""
    from flows.metrics import UnknownMetric, UnknownScope
    from flows.delivery import DeliveryFailed, SecretMissing
    from flows.local_server import PrefectUnavailable
    from flows.recipients import RecipientsError
    from flows.report.pdf import PdfUnavailable
    from flows.report.tables import FontMissing
    from flows.warehouse import WarehouseBusy, WarehouseMissing, WarehouseUnusable

    return (WarehouseMissing, WarehouseBusy, WarehouseUnusable, RecipientsError, SecretMissing, DeliveryFailed, UnknownScope,
            UnknownMetric, ValueError, PdfUnavailable, FontMissing, PrefectUnavailable)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValueError as error:  # a TAIZHANG_* variable that is not what it must be
        print(error, file=sys.stderr)
        return 2
    if args.command == "ingest":
        args.dask = args.dask or settings.dask_address
    try:
        if args.command in PLAIN_COMMANDS:
            return PLAIN_COMMANDS[args.command](args, settings)
        if args.command == "ingest":  # configuration errors in one sentence, before any flow run
            from flows.inbox import check_inbox
            from flows.rules import load_rules
            from flows.warehouse import check_can_write

            check_inbox(settings.inbox)
            load_rules(settings.rules)
            check_can_write(settings.warehouse, settings.lock_wait_seconds)
        if args.command == "ingest" and not args.dask:
            if _nothing_new(settings):
                return 0
            from flows.workers import start as start_workers

            start_workers()  # their imports run while Prefect starts
        from flows.local_server import prefect_api

        with prefect_api(settings) if args.command != "serve" else nullcontext():
            from flows import pipeline  # with the API chosen: no temporary server prepared when there is one
            # what the imports made lives as long as the process: left out of every garbage
            # collection from now on (≈ 0.5 s of full collections in an ingest of 10,000 files)
            gc.freeze()

            return _run_flow_command(args, settings, pipeline)
    except _user_errors() as error:
        print(error, file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - only a full disk is explained here; the rest is raised
        if not _disk_full(error):
            raise
        print(f"the disk holding {settings.warehouse.parent} (or the reports, {settings.reports_out}) is full "
              f"(No space left on device): nothing half-written was kept; free space there and run "
              f"`taizhang {args.command}` again", file=sys.stderr)
        return 1


def _disk_full(error: BaseException | None) -> bool:
    """Whether an error, or one that caused it, is a full disk (DuckDB says so only in its text)."""
    import errno

    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC or "No space left on device" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def run() -> None:
    """The `taizhang` command: `main`, then out.

    Its objects are frozen first (`gc.freeze`): the interpreter's teardown would otherwise
    walk every one of them in a last garbage collection, ≈ 0.5 s after an ingest, for
    memory the process is about to give back anyway. Exit handlers (Prefect's) run as usual.
    """
    import os

    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # whoever read our output stopped reading (`| head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback (the warehouse writes in transactions)
        print(f"taizhang {' '.join(sys.argv[1:])}: interrupted (Ctrl-C)", file=sys.stderr)
        code = 130
    gc.freeze()
    sys.exit(code)


def _nothing_new(settings: Settings) -> bool:
    """Before starting an ingest flow run: a plain read that says so, at once, when the inbox
    holds nothing the warehouse has not seen and the last run finished everything it writes.

    The problem list is an ingest's last file: written after the warehouse and the analyst
    copy, it says the run that wrote them completed. Anything else (a new file, a copy, a
    run that stopped half-way, models changed since the warehouse was last written, a
    warehouse busy or missing) goes to the flow.
    """
    from flows.dictionary import DICTIONARY
    from flows.inbox import receipts_in, scan_inbox
    from flows.warehouse import WarehouseBusy, analyst_path, open_warehouse

    problems_csv = settings.problem_list
    analyst = analyst_path(settings.warehouse)
    written = [settings.warehouse, analyst, problems_csv]
    if not all(p.exists() for p in written) or Path(f"{settings.warehouse}.wal").exists():
        return False
    models = [*settings.sql_dir.glob("*/*.sql"), DICTIONARY, *[p for p in [settings.rules] if p.exists()]]
    if max(p.stat().st_mtime_ns for p in [settings.warehouse, analyst, *models]) > problems_csv.stat().st_mtime_ns:
        return False  # a run stopped before its end, or the next writer must rebuild the models
    try:
        with open_warehouse(settings.warehouse, settings.sql_dir, read_only=True, wait=0) as con:
            found = scan_inbox(con, settings.inbox, settings.settle_seconds)
            if found.new or found.duplicates:
                return False
            open_count = con.execute("select count(*) from marts.open_problems").fetchone()[0]
    except WarehouseBusy:
        return False
    if found.waiting:  # pandas, for their table, only then: this path imports what it reads
        from flows.load import waiting_states

        print_ingest(waiting_states(found.waiting, settings.inbox, settings.settle_seconds))
    else:
        print(NOTHING_NEW)
    print_ingest_outputs(settings.warehouse, analyst, problems_csv, open_count,
                         receipts_in(settings.receipts))
    return True


def print_ingest_outputs(warehouse: Path, analyst: Path, problems_csv: Path, open_count: int,
                         receipts: list[Path]) -> None:
    """Where an ingest's results are: the warehouse, the analyst copy, the problems, the receipts."""
    print(f"warehouse: {warehouse}")
    print(f"analysts:  {analyst} (read-only copy, personal data masked)")
    print(f"problems:  {problems_csv} ({open_count} open)")
    if receipts:
        print(f"receipts:  {receipts[0].parent} (错误回执, one per unit)")


def print_report(report) -> None:
    """Where the report went, what an analyst still has to write, and what changed since the last build."""
    print(f"report:   {report.docx}")
    print(f"evidence: {report.evidence}")
    if report.pdf:
        print(f"pdf:      {report.pdf}")
    if report.missing_notes:
        print(f"待补充 / to write: {'、'.join(report.missing_notes)} — in {report.notes} (## 标题 per section)")
    for change in report.changes:
        print(f"数据有变化 / changed since the last build: {change}")


def _run_flow_command(args: argparse.Namespace, settings: Settings, pipeline) -> int:
    from flows.ops import serve_all
    from flows.writer import ensure_warehouse_limit
    from flows.periods import between

    if args.command == "backfill":
        between(args.kind, args.first, args.last)  # bad periods are refused before any flow run starts
    if args.command == "serve":
        serve_all(args.port or settings.serve_port)  # commands look for it on the same port
        return 0
    ensure_warehouse_limit()
    if args.command == "backfill":
        for report in pipeline.backfill(args.kind, args.first, args.last, scope=args.scope,
                                        warehouse=str(settings.warehouse), out=args.out, pdf=args.pdf):
            print_report(report)
    elif args.command == "demo":
        result = pipeline.demo(out=args.out, warehouse=getattr(args, "warehouse", None), inbox=getattr(args, "inbox", None))
        print_ingest(result.ingest.files)
        print(f"demo inbox: {result.inbox}")
        print(f"warehouse:  {result.warehouse}")
        print(f"analysts:   {result.ingest.analyst_copy} (read-only copy, personal data masked)")
        print(f"report:     {result.report.docx}")
        print(f"evidence:   {result.report.evidence}")
        print(f"problems:   {result.problems} ({result.problem_count} open)")
        print(f"receipts:   {result.receipts[0].parent if result.receipts else '(none)'} (错误回执, one per unit)")
    elif args.command == "ingest":
        flow = pipeline.ingest
        if args.dask:
            from prefect_dask import DaskTaskRunner

            flow = flow.with_options(task_runner=DaskTaskRunner(address=args.dask))
        parallel = args.parallel or (4 if args.dask else 1)
        result = flow(warehouse=str(settings.warehouse), inbox=str(settings.inbox), parallel=parallel)
        print_ingest(result.files)
        print_ingest_outputs(settings.warehouse, result.analyst_copy, result.problems_csv, result.open_problems,
                             result.receipts)
    elif args.command == "report":
        from flows.periods import parse

        end = getattr(args, "end", None)
        parse(args.kind, args.period, end)  # a bad period is refused before any flow run starts
        if args.send:
            _check_can_send(args, settings)
        report = pipeline.report(args.kind, args.period, end=end.isoformat() if end else None, scope=args.scope,
                                 warehouse=str(settings.warehouse), out=args.out, pdf=args.pdf, send=args.send,
                                 correction=args.correction)
        print_report(report)
        if report.delivery is not None:
            return print_delivery(report, args)
    return 0


def _check_can_send(args: argparse.Namespace, settings: Settings) -> None:
    """`--send` is refused before any flow run when it could send nothing."""
    from flows.recipients import RecipientsError
    from flows.report_delivery import report_contacts

    if args.scope:
        raise ValueError(f"--send with --scope {args.scope}: recipients receive the whole organisation's reports; "
                         "leave out --scope to send")
    if not report_contacts(settings, args.kind):
        raise RecipientsError(f"{settings.recipients} names no recipients for {args.kind} reports: add them under "
                              f"`reports: {args.kind}:` (see reports/recipients.example.yaml)")


def print_delivery(report, args: argparse.Namespace) -> int:
    """Who the report went to; exit 1 when a 更正版 waits for --correction (a channel that failed
    fails the flow: DeliveryFailed)."""
    from flows.periods import report_command

    delivery = report.delivery
    for outcome in delivery.outcomes:
        print(f"  {outcome.status:<12} {report.docx.name} → {outcome.recipient} by {outcome.channel}"
              + (f": {outcome.answer}" if outcome.status == "failed" else ""))
    if delivery.waiting:
        for key, old, new in report.corrections:
            print(f"更正 / corrected: {key}: {old} → {new}")
        end = getattr(args, "end", None)
        print(f"{report.docx.name} is a 更正版: this period's report was sent and its figures have changed (above); "
              f"nothing was sent: check it, then send it with "
              f"`{report_command(args.kind, args.period, end.isoformat() if end else None, '--send', '--correction')}`",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run()
