"""Reports: metrics → sentences (templates) → an official .docx, with its evidence beside it.

`build_report` writes any of the four types (periods.py) from its template
(`reports/templates/<type>.md`), the analyst's notes for the period (notes.py), the metric
values of each of its windows, and the record lists, tables and charts it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from flows.metrics import measures, metric_labels, resolve_scope, window_figures
from flows.report.document import OfficialDocument
from flows.report.evidence import compare, differences, figure_values, write_evidence
from flows.report.notes import read_notes
from flows.periods import ReportPeriod, parse
from flows.report.records import write_list
from flows.report.tables import charts, tables
from flows.report.template import Figure, Sources, WindowValues, render
from flows.settings import Settings


CORRECTED = "（更正版）"


@dataclass(frozen=True)
class Sent:
    """The figures of a report's editions already sent (report_delivery.py): a rebuild whose
    figures differ from the first is a 更正版; a correction's mail names what changed since the last."""

    first: dict[str, str]
    last: dict[str, str]
    last_sent_at: datetime


@dataclass
class Report:
    docx: Path
    evidence: Path
    figures: list[Figure]
    notes: Path                                             # where the analyst's text for it goes
    missing_notes: list[str] = field(default_factory=list)  # sections left as 【待补充：…】
    changes: list[str] = field(default_factory=list)        # figures that differ from the last build
    pdf: Path | None = None
    title: str = ""
    period: ReportPeriod | None = None
    scope: str | None = None
    corrected: bool = False                                 # a 更正版: its figures differ from the edition sent
    corrections: list[tuple[str, str, str]] = field(default_factory=list)  # (figure, as last sent, now)
    delivery: object | None = None                          # report_delivery.Delivery, when it was sent


def report_stem(org: str, period: ReportPeriod) -> str:
    """Files are named by unit, type and period: XX市社科联_月报_2021-03."""
    return f"{org}_{period.type_name}_{period.label}"


def build_report(con: duckdb.DuckDBPyConnection, settings: Settings, period: ReportPeriod,
                 scope: str | None = None, sent: Sent | None = None) -> Report:
    """Write one report (.docx) and its evidence (.csv) for a period and scope; with `sent`, the
    figures of the editions already sent, a report whose figures differ is the 更正版."""
    scope_name = resolve_scope(con, scope)
    figures = {name: window_figures(con, w.start, w.end, scope_name) for name, w in period.windows.items()}
    values = {name: found.values for name, found in figures.items()}
    org = scope_name or settings.org_name
    stem = report_stem(org, period)
    notes_path = settings.notes_dir / f"{stem}.md"
    main = period.windows[period.main]
    sources = Sources(
        windows={name: WindowValues(w.start, w.end, values[name]) for name, w in period.windows.items()},
        words={"org": org, **period.words()},
        measures=measures(con),
        tables=tables(con, period, scope_name, values, metric_labels(con)),
        charts=charts(con, period, scope_name),
        notes=read_notes(notes_path),
        lists=lambda spec: write_list(con, spec, main.start, main.end, scope_name),
        main=period.main,
        scope=scope_name or "全部",
    )
    template = (settings.templates_dir / f"{period.kind}.md").read_text(encoding="utf-8")
    rendered = render(template, sources)
    now = figure_values(rendered.figures)
    corrected = sent is not None and now != sent.first
    if corrected:
        stem += CORRECTED
    title = ""

    document = OfficialDocument()
    for kind, *parts in rendered.blocks:
        if kind == "title":
            title = parts[0] + (CORRECTED if corrected else "")
            document.title(title)
        elif kind == "heading":
            document.heading(parts[0], parts[1])
        elif kind == "paragraph":
            document.paragraph(parts[0])
        elif kind == "chart":
            document.chart(*parts)
        else:
            (header, rows), caption = parts
            document.table(header, rows, caption)
    docx = document.save(settings.reports_out / f"{stem}.docx")
    evidence = settings.reports_out / f"{stem}_evidence.csv"
    changes = compare(evidence, rendered.figures)
    # every figure is of one of the period's windows (template.py)
    write_evidence(evidence, rendered.figures,
                   {(w.start, w.end): figures[name].evidence for name, w in period.windows.items()})
    return Report(docx, evidence, rendered.figures, notes_path, rendered.missing_notes, changes, title=title,
                  period=period, scope=scope_name, corrected=corrected,
                  corrections=differences(sent.last, now) if sent else [])


def build(con: duckdb.DuckDBPyConnection, settings: Settings, kind: str, period: str, end=None,
          scope: str | None = None, sent: Sent | None = None) -> Report:
    """`build_report` from the command line's words: ('monthly', '2021-03'), ('annual', '2021', end) …"""
    return build_report(con, settings, parse(kind, period, end), scope, sent)
