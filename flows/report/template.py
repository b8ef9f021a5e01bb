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
    """Fill a template from its sources, line by line: record lists declared, tables and charts
    placed, the analyst's notes inserted, every other line written with its figures."""
    renderer = _Renderer(sources)
    for line in re.sub(r"<!--.*?-->", "", template, flags=re.S).splitlines():
        line = line.strip()
        if not line:
            continue
        directive, _, rest = line.partition(" ")
        if directive == "@list":
            renderer.declare(RecordList.parse(line))
        elif directive in ("@table", "@chart"):
            renderer.place(directive[1:], rest)
        elif directive == "@note":
            renderer.insert_note(rest.strip())
        else:
            renderer.write(line)
    return renderer.out


class _Renderer:
    """One report's rendering: what it has written so far, the record lists it declared."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.out = Rendered()
        self.lists: dict[str, RecordList] = {}
        self.written: dict[str, Written] = {}

    def words(self, text: str) -> str:
        return WORD.sub(lambda m: _word(self.sources.words, m["name"]), text)

    def declare(self, spec: RecordList) -> None:
        self.lists[spec.name] = spec

    def record_list(self, name: str) -> Written:
        if name not in self.lists:
            raise TemplateError(f"{{list.{name}}} is used before an `@list {name} …` line declares it")
        if name not in self.written:
            self.written[name] = self.sources.lists(self.lists[name])
        return self.written[name]

    def place(self, kind: str, rest: str) -> None:
        """A table or chart the report names, with its caption."""
        name, _, caption = rest.strip().partition(" ")
        known = self.sources.tables if kind == "table" else self.sources.charts
        if name not in known:
            raise TemplateError(f"@{kind} {name}: unknown; this report has {', '.join(known) or 'none'}")
        self.out.blocks.append((kind, known[name](), self.words(caption.strip()) or None))

    def note(self, key: str, optional: bool = False) -> str | None:
        """The analyst's text for `key` as one paragraph's text, or None (listed as missing unless optional)."""
        paragraphs = self.sources.notes.get(key)
        if not paragraphs:
            if not optional:
                self.out.missing_notes.append(key)
            return None
        return "".join(WORD.sub(lambda m: self.sources.words.get(m["name"], m[0]), p) for p in paragraphs)

    def insert_note(self, key: str) -> None:
        """`@note KEY`: the analyst's paragraphs, or a highlighted 【待补充：KEY】."""
        if self.note(key) is None:
            self.out.blocks.append(("paragraph", placeholder(key)))
        else:
            self.out.blocks.extend(("paragraph", WORD.sub(lambda m: self.sources.words.get(m["name"], m[0]), p))
                                   for p in self.sources.notes[key])

    def figure(self, match: re.Match) -> str:
        """A placeholder as written: a metric in a window, in its style, or a record list."""
        sources = self.sources
        if match["period"] == "list":
            result = self.record_list(match["metric"])
            window = sources.windows[sources.main]
            self.out.figures.append(Figure(f"list:{match['metric']}", window.start, window.end, sources.scope,
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
        self.out.figures.append(Figure(metric, window.start, window.end, sources.scope, value, written_as))
        return written_as

    def optional(self, match: re.Match) -> str:
        """`[ … ]`: kept unless every figure in it is 0 and every list in it empty."""
        inner = match.group(1)
        values = []
        for m in PLACEHOLDER.finditer(inner):
            if m["period"] == "list":
                values.append(self.record_list(m["metric"]).count)
            else:
                window = self.sources.windows.get(m["period"], self.sources.windows[self.sources.main])
                values.append(window.values.get(m["metric"], 0))
        return inner if not values or any(values) else ""

    def write(self, line: str) -> None:
        """A title, heading or paragraph line, its notes, optional clauses and figures filled in."""
        line = NOTE.sub(lambda m: self.note(m["key"], bool(m["optional"])) or ("" if m["optional"] else placeholder(m["key"])),
                        line)
        line = tidy(OPTIONAL.sub(self.optional, line))
        line = self.words(PLACEHOLDER.sub(self.figure, line))
        level = len(line) - len(line.lstrip("#"))
        if level == 1:
            self.out.blocks.append(("title", line.lstrip("# ")))
        elif level:
            self.out.blocks.append(("heading", line.lstrip("# "), level - 1))
        else:
            self.out.blocks.append(("paragraph", line))


def _word(words: dict[str, str], name: str) -> str:
    if name not in words:
        raise TemplateError(f"{{{name}}}: unknown word; words are {', '.join('{' + w + '}' for w in words)}")
    return words[name]
