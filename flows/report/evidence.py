"""The evidence beside every report: each figure with the source rows (file, sheet, row) behind it.

One CSV row per (figure, source row); a figure of 0 has one row with no source. The same file
is the record of what a report said: rebuilding a report compares its figures with the
evidence of the last build, and names every figure the data has changed since.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pandas as pd

from flows.report.template import Figure

COLUMNS = ["metric_id", "period_start", "period_end", "scope", "value", "written_as", "path", "sheet", "row_number"]


def _key(metric_id, start, end) -> str:
    return f"{metric_id} {start}…{end}"


def read_figures(path: Path) -> dict[str, str]:
    """The figures an evidence file records: `metric start…end` → value."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return {_key(r["metric_id"], r["period_start"], r["period_end"]): r["value"] for r in csv.DictReader(handle)}


def figure_values(figures: list[Figure]) -> dict[str, str]:
    """The figures of a report as its evidence file records them."""
    return {_key(f.metric_id, f.period_start, f.period_end): str(f.value) for f in figures}


def differences(before: dict[str, str], now: dict[str, str]) -> list[tuple[str, str, str]]:
    """(figure, before, now) for each figure that differs; a figure a template leaves out when it
    is 0 appears or vanishes: written —."""
    return sorted((key, before.get(key, "—"), now.get(key, "—"))
                  for key in before.keys() | now.keys() if before.get(key) != now.get(key))


def compare(previous: Path, figures: list[Figure]) -> list[str]:
    """The figures whose value differs from the evidence file of the last build (none if there was none)."""
    if not previous.exists():
        return []
    return [f"{key}: {old} → {new}" for key, old, new in differences(read_figures(previous), figure_values(figures))]


def write_evidence(path: Path, figures: list[Figure], evidence: dict[tuple[date, date], pd.DataFrame]) -> Path:
    """Write the evidence CSV (UTF-8 with BOM, so Excel opens it right); `evidence` holds, per
    window (start, end), the source rows of each metric in it (metric_id, path, sheet, row_number)."""
    windows = defaultdict(set)
    for f in figures:
        if f.places is None:
            windows[(f.period_start, f.period_end)].add(f.metric_id)
    rows = defaultdict(list)
    for (start, end), metric_ids in windows.items():
        found = evidence[(start, end)]
        for metric_id, *place in found[found["metric_id"].isin(metric_ids)].itertuples(index=False):
            rows[(metric_id, start, end)].append(place)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        seen = set()
        for f in figures:
            key = (f.metric_id, f.period_start, f.period_end)
            if key in seen:
                continue
            seen.add(key)
            places = ([[p["path"], p["sheet"], p["row_number"]] for p in f.places] if f.places is not None
                      else rows[key])
            head = [f.metric_id, f.period_start, f.period_end, f.scope, f.value, f.text]
            for place in sorted(set(map(tuple, places))) or [("", "", "")]:
                writer.writerow(head + list(place))
    return path
