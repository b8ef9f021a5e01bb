"""Reports to the people who receive them (`reports:` in recipients.yaml), and the 更正版.

- Mail carries the .docx, its PDF when built and the evidence file (names per RFC 2231);
  robots get a Markdown summary (title, period, the headline figures) and where the file is,
  and 企业微信's robot the .docx itself, after an upload (钉钉's and 飞书's custom robots carry
  no files).
- Sent means frozen: every delivery is in raw.deliveries and its bytes are kept (delivery.py).
  The same report with the same figures is never sent twice to the same recipient.
- Once a period's report was sent, a rebuild whose figures differ is a 更正版 (its title and
  file name say so, flows/report); it goes out only when a person asks (`--send --correction`),
  and its mail says which figures changed from what to what since the edition last sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.delivery import Message, Outcome, deliver
from flows.recipients import Contact, load_recipients
from flows.report import Report, Sent
from flows.report.evidence import figure_values, read_figures
from flows.periods import chinese_date
from flows.settings import AlertSettings, Settings
from flows.warehouse import file_lock, open_warehouse, writer_lock_path

HEADLINE_FIGURES = 6


@dataclass
class Delivery:
    """What became of a report's sending: each recipient's outcome, or the 更正版 waiting for a person."""

    outcomes: list[Outcome] = field(default_factory=list)
    waiting: bool = False    # a 更正版 not sent: it needs `--send --correction`
    reason: str = ""         # why nothing was sent, when nothing was

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def what(kind: str) -> str:
    """raw.deliveries.what of a report type: report_monthly …"""
    return f"report_{kind}"


def sent_editions(con: duckdb.DuckDBPyConnection, kind: str, label: str) -> Sent | None:
    """The figures of the first and the last edition of a report sent, from their kept evidence
    files; None when none was sent."""
    try:
        rows = con.execute("select kept, sent_at from raw.deliveries where what = ? and period_label = ? "
                           "and delivery_status = 'sent' and kept is not null order by sent_at",
                           [what(kind), label]).fetchall()
    except duckdb.Error:  # a warehouse from before deliveries kept their bytes: nothing was sent from it
        return None
    editions = [(figures, sent_at) for kept, sent_at in rows
                if (figures := _kept_figures(kept)) is not None]
    if not editions:
        return None
    return Sent(editions[0][0], editions[-1][0], editions[-1][1])


def _kept_figures(kept: str) -> dict[str, str] | None:
    found = sorted(Path(kept).glob("*_evidence.csv"))
    return read_figures(found[0]) if found else None


def report_contacts(settings: Settings, kind: str) -> list[Contact]:
    """Who receives reports of `kind`; raises RecipientsError when the file cannot be used."""
    return load_recipients(settings.recipients).reports.get(kind, [])


def _figure_name(key: str, labels: dict[str, str]) -> str:
    metric_id, window = key.split(" ", 1)
    return f"{labels.get(metric_id, metric_id)}（{window.replace('…', '至')}）"


def report_message(report: Report, kind: str, labels: dict[str, str]) -> Message:
    """The message a report goes out as: a short text, its files, and a summary for robots."""
    period = report.period
    main = period.windows[period.main]
    span = f"{chinese_date(main.start, with_year=True)}至{chinese_date(main.end, with_year=True)}"
    headline, seen = [], set()
    for figure in report.figures:
        if (figure.period_start, figure.period_end) != (main.start, main.end) or figure.metric_id in seen \
                or figure.metric_id.startswith("list:") or not figure.value:
            continue
        seen.add(figure.metric_id)
        headline.append(f"{labels.get(figure.metric_id, figure.metric_id)}：{figure.text}")
    headline = headline[:HEADLINE_FIGURES]
    changed = [f"{_figure_name(key, labels)}：{old} → {new}" for key, old, new in report.corrections]
    correction = (["本版为更正版。与已报送的版本相比，以下数字有变化：", *(f"- {c}" for c in changed), ""]
                  if report.corrected and changed else [])
    files = [path for path in (report.docx, report.pdf, report.evidence) if path]
    text = "\n".join([report.title, f"报告期：{span}", "", *correction, "主要数字：", *(f"- {h}" for h in headline), "",
                      f"附件：{'、'.join(p.name for p in files)}", f"文件位置：{report.docx}", ""])
    markdown = "\n".join([f"### {report.title}", f"报告期：{span}", "", *correction,
                          *(f"- {h}" for h in headline), "", f"文件位置：`{report.docx}`"])
    key = f"{what(kind)}|{period.label}|" + json.dumps(figure_values(report.figures), sort_keys=True, ensure_ascii=False)
    attachments = tuple((path.name, path.read_bytes()) for path in files)
    return Message(what(kind), period.label, report.title, text, attachments, key=key, markdown=markdown,
                   file=attachments[0])  # the .docx


def send_report(settings: Settings, report: Report, kind: str, contacts: list[Contact],
                correction: bool) -> Delivery:
    """Send a whole-organisation report to its type's recipients, once each; a 更正版 with changed
    figures only when `correction` (a person asked for it). Holds the writer lock while it records."""
    if report.scope:
        return Delivery(reason=f"a report on {report.scope} alone is not sent: recipients receive the whole "
                               "organisation's reports")
    if not contacts:
        return Delivery(reason=f"no recipients for {kind} reports in {settings.recipients}")
    if report.corrected and report.corrections and not correction:
        return Delivery(waiting=True, reason="the figures changed since this period's report was sent")
    from flows.metrics import metric_labels

    with file_lock(writer_lock_path(settings.warehouse), settings.lock_wait_seconds), \
            open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        message = report_message(report, kind, metric_labels(con))
        outcomes = [o for contact in contacts
                    for o in deliver(con, contact, message, AlertSettings.load(), settings.sent_dir)]
    return Delivery(outcomes)
