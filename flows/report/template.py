"""Report templates: text files in `reports/templates/` that analysts edit without code.

A template is read line by line (its header comment documents the syntax): `#` title,
`##`/`###` headings, `@table NAME caption` tables, and paragraphs whose `{period.metric}`
placeholders are filled from the warehouse and written by `write_number`. Every figure
filled in is recorded as evidence: metric id, period, scope and value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flows.report.phrasing import write_number

PLACEHOLDER = re.compile(r"\{(?P<period>[a-z]+)\.(?P<metric>[a-z_]+)(?::(?P<style>[^}]+))?\}")
WORD = re.compile(r"\{(?P<name>[a-z_]+)\}")
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


def tidy(line: str) -> str:
    """Separators left doubled or dangling where optional clauses were dropped."""
    line = re.sub(r"(?<=[，。；：（])[，、；]+", "", line)   # 其中，，集体学习 → 其中，集体学习
    line = re.sub(r"(其中)?[，、；]+(?=[。）])", "", line)  # 其中，。 → 。
    return re.sub(r"。{2,}", "。", line)


@dataclass(frozen=True)
class Window:
    """A named period of a report: its dates and the metric values in it."""

    start: date
    end: date
    values: dict[str, int]


@dataclass
class Figure:
    metric_id: str
    period_start: date
    period_end: date
    scope: str
    value: int
    text: str


@dataclass
class Rendered:
    blocks: list[tuple] = field(default_factory=list)   # ('title'|'heading'|'paragraph'|'table', …)
    figures: list[Figure] = field(default_factory=list)


def render(template: str, windows: dict[str, Window], words: dict[str, str], measures: dict[str, str],
           tables: dict[str, Callable[[], tuple[list[str], list[list]]]], scope: str) -> Rendered:
    """Fill a template: placeholders from `windows`, words from `words`, tables from `tables`."""
    out = Rendered()
    text = re.sub(r"<!--.*?-->", "", template, flags=re.S)

    def figure(match: re.Match) -> str:
        window = windows[match["period"]]
        metric = match["metric"]
        if metric not in window.values:
            raise KeyError(f"template names unknown metric {metric!r}")
        value = window.values[metric]
        written = write_number(value, match["style"] or "exact", measures.get(metric, ""))
        out.figures.append(Figure(metric, window.start, window.end, scope, value, written))
        return written

    def optional(match: re.Match) -> str:
        inner = match.group(1)
        values = [windows[m["period"]].values.get(m["metric"], 0) for m in PLACEHOLDER.finditer(inner)]
        return inner if not values or any(values) else ""

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("@table"):
            _, name, *caption = line.split(maxsplit=2)
            header, rows = tables[name]()
            out.blocks.append(("table", header, rows, caption[0] if caption else None))
            continue
        line = tidy(OPTIONAL.sub(optional, line))
        line = PLACEHOLDER.sub(figure, line)
        line = WORD.sub(lambda m: words[m["name"]], line)
        if line.startswith("###"):
            out.blocks.append(("heading", line.lstrip("# "), 2))
        elif line.startswith("##"):
            out.blocks.append(("heading", line.lstrip("# "), 1))
        elif line.startswith("#"):
            out.blocks.append(("title", line.lstrip("# ")))
        else:
            out.blocks.append(("paragraph", line))
    return out
