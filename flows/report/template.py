"""Report templates: text files in `reports/templates/` that analysts edit without code.

A template is read line by line (`reports/templates/README.md` documents the syntax):

    # …  ## …  ### …  #### …          the title, then headings of levels 1–3
    @table NAME caption               a table (tables.py names them)
    @chart NAME caption               a chart (PNG, Chinese labels)
    @note KEY                         the analyst's text for KEY (notes.py), or 【待补充：KEY】
    @list NAME SOURCE … => sentence   declares a record list (records.py)
    anything else                     a paragraph, with
        {W.ID} {W.ID:STYLE}           metric ID in window W, written by `write_number`
        {W.ID:STYLE:MEASURE}          … with another measure word than the catalogue's
        {list.NAME}                   the sentences of record list NAME
        {note.KEY}                    the analyst's text for KEY, inside the paragraph
        {note.KEY?}                   … or nothing, when the analyst wrote none
        {word}                        a word of the report: {org}, {year}, {end} …
        [ … ]                         an optional clause, dropped when all its figures are 0
                                      and all its lists empty

Every figure and list filled in is recorded (`Figure`) so the evidence can name its rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flows.report.notes import placeholder
from flows.report.phrasing import write_number
from flows.report.records import RecordList, TemplateError, Written

PLACEHOLDER = re.compile(r"\{(?P<period>[a-z]+)\.(?P<metric>[a-z_]+)(?::(?P<style>[^}]+))?\}")
WORD = re.compile(r"\{(?P<name>[a-z_]+)\}")
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
NOTE = re.compile(r"\{note\.(?P<key>[^}?]+)(?P<optional>\?)?\}")


def tidy(line: str) -> str:
    """Separators left doubled or dangling where optional clauses were dropped."""
    line = re.sub(r"(?<=[，。；：（])[，、；]+", "", line)   # 其中，，集体学习 → 其中，集体学习
    line = re.sub(r"(其中)?[，、；]+(?=[。）])", "", line)  # 其中，。 → 。
    line = re.sub(r"（）", "", line)
    return re.sub(r"。{2,}", "。", line)


@dataclass(frozen=True)
class WindowValues:
    """A window of a report (periods.Window: `m` the month, `y` the year to date …) with the metric values in it."""

    start: date
    end: date
    values: dict[str, int]


@dataclass
class Figure:
    """One figure of a report: a metric (or `list:NAME`) in a window, its value and how it reads."""

    metric_id: str
    period_start: date
    period_end: date
    scope: str
    value: int
    text: str
    places: list[dict] | None = None   # for record lists: the rows behind them


@dataclass
class Rendered:
    blocks: list[tuple] = field(default_factory=list)   # ('title'|'heading'|'paragraph'|'table'|'chart', …)
    figures: list[Figure] = field(default_factory=list)
    missing_notes: list[str] = field(default_factory=list)


@dataclass
class Sources:
    """What a template is filled from."""

    windows: dict[str, WindowValues]
    words: dict[str, str]
    measures: dict[str, str]
    tables: dict[str, Callable[[], tuple[list[str], list[list]]]]
    charts: dict[str, Callable[[], bytes]]
    notes: dict[str, list[str]]
    lists: Callable[[RecordList], Written]
    main: str                      # the window record lists are written for
    scope: str


def render(template: str, sources: Sources) -> Rendered:
    """Fill a template from its sources."""
    out = Rendered()
    text = re.sub(r"<!--.*?-->", "", template, flags=re.S)
    lists: dict[str, RecordList] = {}
    written: dict[str, Written] = {}

    def record_list(name: str) -> Written:
        if name not in lists:
            raise TemplateError(f"{{list.{name}}} is used before an `@list {name} …` line declares it")
        if name not in written:
            written[name] = sources.lists(lists[name])
        return written[name]

    def figure(match: re.Match) -> str:
        if match["period"] == "list":
            result = record_list(match["metric"])
            window = sources.windows[sources.main]
            out.figures.append(Figure(f"list:{match['metric']}", window.start, window.end, sources.scope,
                                      result.count, result.text, result.places))
            return result.text
        if match["period"] not in sources.windows:
            raise TemplateError(f"{match[0]}: this report has no period {match['period']!r} "
                                f"(it has {', '.join(sources.windows)})")
        window = sources.windows[match["period"]]
        metric = match["metric"]
        if metric not in window.values:
            raise TemplateError(f"{match[0]}: unknown metric {metric!r} (see metrics.md)")
        value = window.values[metric]
        style, _, measure = (match["style"] or "exact").partition(":")
        try:
            written_as = write_number(value, style or "exact", measure or sources.measures.get(metric, ""))
        except ValueError as error:
            raise TemplateError(f"{match[0]}: {error}") from None
        out.figures.append(Figure(metric, window.start, window.end, sources.scope, value, written_as))
        return written_as

    def optional(match: re.Match) -> str:
        inner = match.group(1)
        values = []
        for m in PLACEHOLDER.finditer(inner):
            if m["period"] == "list":
                values.append(record_list(m["metric"]).count)
            else:
                values.append(sources.windows.get(m["period"], sources.windows[sources.main]).values.get(m["metric"], 0))
        return inner if not values or any(values) else ""

    def note(key: str, optional: bool = False) -> str | None:
        paragraphs = sources.notes.get(key)
        if not paragraphs:
            if not optional:
                out.missing_notes.append(key)
            return None
        return "".join(WORD.sub(lambda m: sources.words.get(m["name"], m[0]), p) for p in paragraphs)

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        directive, _, rest = line.partition(" ")
        if directive == "@list":
            spec = RecordList.parse(line)
            lists[spec.name] = spec
        elif directive in ("@table", "@chart"):
            name, _, caption = rest.strip().partition(" ")
            known = sources.tables if directive == "@table" else sources.charts
            if name not in known:
                raise TemplateError(f"{directive} {name}: unknown; this report has {', '.join(known) or 'none'}")
            caption = WORD.sub(lambda m: _word(sources.words, m["name"]), caption.strip())
            out.blocks.append((directive[1:], known[name](), caption or None))
        elif directive == "@note":
            key = rest.strip()
            if note(key) is None:
                out.blocks.append(("paragraph", placeholder(key)))
            else:
                out.blocks.extend(("paragraph", WORD.sub(lambda m: sources.words.get(m["name"], m[0]), p))
                                  for p in sources.notes[key])
        else:
            line = NOTE.sub(lambda m: note(m["key"], bool(m["optional"])) or ("" if m["optional"] else placeholder(m["key"])),
                            line)
            line = tidy(OPTIONAL.sub(optional, line))
            line = PLACEHOLDER.sub(figure, line)
            line = WORD.sub(lambda m: _word(sources.words, m["name"]), line)
            level = len(line) - len(line.lstrip("#"))
            if level == 1:
                out.blocks.append(("title", line.lstrip("# ")))
            elif level:
                out.blocks.append(("heading", line.lstrip("# "), level - 1))
            else:
                out.blocks.append(("paragraph", line))
    return out


def _word(words: dict[str, str], name: str) -> str:
    if name not in words:
        raise TemplateError(f"{{{name}}}: unknown word; words are {', '.join('{' + w + '}' for w in words)}")
    return words[name]
