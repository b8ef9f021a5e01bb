"""Notable single events, written from the records themselves (a donation on a date, a visit,
an exhibition stop): the record lists a template declares with `@list`.

A list names a source below, filters on its columns, and a sentence pattern; the records of
the report's period and scope that pass the filters are written in date order. Column names
in filters are checked against the source's columns and values are bound as parameters, so a
template can never change the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from flows.periods import chinese_date
from flows.report.phrasing import write_number, write_title

_PLACES = "[{'path': path, 'sheet': sheet, 'row_number': row_number}]"

# sources whose records are metric members (`metric=`): the members macro of their metrics
MEMBERS = {"activities": "metrics.activity_members", "aid": "metrics.aid_members"}

# source → a query of its records in [$start, $end] within $scope: record_on orders them, places
# are the rows (file, sheet, row) each record comes from
SOURCES = {
    "activities": """select *, activity_on as record_on, activity_id as member_id,
                             [{'path': p.path, 'sheet': p.sheet, 'row_number': p.row_number} for p in lineage] as places
                      from core.activities
                      where activity_on between $start and $end and core.in_scope(unit_name, $scope)""",
    "aid": f"""select *, event_on as record_on, file_id || ':' || row_number as member_id, {_PLACES} as places
               from core.aid_events
               where event_on between $start and $end and core.in_scope(unit_name, $scope)""",
    "outreach": f"""select *, visited_on as record_on, {_PLACES} as places from core.outreach_visits
                    where visited_on between $start and $end and core.in_scope(unit_name, $scope)""",
    "think_tank": f"""select *, submitted_on as record_on, {_PLACES} as places from core.think_tank_issues
                      where submitted_on between $start and $end and core.in_scope(unit_name, $scope)""",
    "matters": f"""select *, coalesce(done_on, due_on) as record_on, {_PLACES} as places
                   from core.latest_matters($end, scope_name := $scope)""",
    "reading": f"""select *, handed_out_on as record_on, {_PLACES} as places from core.reading_handouts
                   where handed_out_on between $start and $end and core.in_scope(unit_name, $scope)""",
    "village_items": """select *, first_on as record_on
                        from metrics.village_items($start, $end, scope_name := $scope)""",
    # 三会一课: each slot a branch owed (outcome 已开 | 未开), each branch's gaps (most first) and each
    # rule's totals (required, held, missed; in the rules file's order)
    "meeting_slots": f"""select *, slot_start as record_on, {_PLACES} as places,
                                case when is_met then '已开' else '未开' end as outcome
                         from marts.meeting_compliance($start, $end, scope_name := $scope)""",
    "branch_gaps": """select unit_name, $start::date as record_on, count(*) as required,
                              count(*) filter (where is_met) as held, count(*) filter (where not is_met) as missed,
                              list({'path': path, 'sheet': sheet, 'row_number': row_number}) as places,
                              -count(*) filter (where not is_met) as position
                       from marts.meeting_compliance($start, $end, scope_name := $scope)
                       group by unit_name having bool_or(not is_met)""",
    "meeting_totals": """select slots.activity_type, min(slots.slot_start) as record_on, count(*) as required,
                                 count(*) filter (where slots.is_met) as held,
                                 count(*) filter (where not slots.is_met) as missed,
                                 list({'path': slots.path, 'sheet': slots.sheet, 'row_number': slots.row_number}) as places,
                                 min(rules.line) as position
                          from marts.meeting_compliance($start, $end, scope_name := $scope) as slots
                          join raw.meeting_rules as rules using (activity_type, per)
                          group by slots.activity_type""",
}

LIST = re.compile(r"@list\s+(?P<name>\w+)\s+(?P<source>\w+)(?P<options>(?:\s+(?!=>)\S+)*)\s+=>\s*(?P<pattern>.+)")
OPTION = re.compile(r"(?P<field>\w+)(?P<op>!=|=|~)(?P<value>\S*)")
FIELD = re.compile(r"\{(?P<field>\w+)(?::(?P<style>[^}]+))?\}")


class TemplateError(ValueError):
    """A template asks for something that does not exist."""


@dataclass(frozen=True)
class RecordList:
    name: str
    source: str
    filters: tuple[tuple[str, str, str], ...]   # (column, '=' | '~' | '!=', value)
    pattern: str
    join: str = ""
    limit: int | None = None
    metric: str | None = None   # only the records that are members of these metrics (`a,b`; metrics.*_members)

    @classmethod
    def parse(cls, line: str) -> "RecordList":
        """`@list NAME SOURCE [col=value | col~text | col!=value …] [join=、] [limit=N] => pattern`"""
        match = LIST.fullmatch(line.strip())
        if not match:
            raise TemplateError(f"cannot read {line.strip()!r}: write @list NAME SOURCE [filters] => sentence")
        if match["source"] not in SOURCES:
            raise TemplateError(f"@list {match['name']}: unknown source {match['source']!r} "
                                f"(one of {', '.join(SOURCES)})")
        filters, join, limit, metric = [], "", None, None
        for option in match["options"].split():
            parsed = OPTION.fullmatch(option)
            if not parsed:
                raise TemplateError(f"@list {match['name']}: cannot read option {option!r}")
            if parsed["field"] == "join":
                join = parsed["value"]
            elif parsed["field"] == "limit":
                limit = int(parsed["value"])
            elif parsed["field"] == "metric":
                metric = parsed["value"]
            else:
                filters.append((parsed["field"], parsed["op"], parsed["value"]))
        return cls(match["name"], match["source"], tuple(filters), match["pattern"].strip(), join, limit, metric)


@dataclass(frozen=True)
class Written:
    """A record list as written, with how many records it names and where they come from."""

    text: str
    count: int
    places: list[dict]


def _value(record: dict, field: str, style: str | None) -> str:
    if field not in record:
        raise TemplateError(f"record lists have no field {{{field}}}; fields: date, {', '.join(sorted(record))}")
    value = record[field]
    if value is None:
        return ""
    if style == "书名号":
        return write_title(str(value))
    if style:
        try:
            return write_number(value, style)
        except ValueError as error:
            raise TemplateError(f"{{{field}:{style}}}: {error}") from None
    if isinstance(value, date):
        return chinese_date(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return write_number(value)
    return str(value)


_COLUMNS: dict[str, set[str]] = {}


def _columns(con: duckdb.DuckDBPyConnection, source: str, params: dict) -> set[str]:
    """The columns of a source's records (asked once per process: they are the models' own, and
    asking costs DuckDB a plan of the whole source)."""
    if source not in _COLUMNS:
        _COLUMNS[source] = {d[0] for d in con.execute(f"select * from ({SOURCES[source]}) limit 0", params).description}
    return _COLUMNS[source]


def write_list(con: duckdb.DuckDBPyConnection, spec: RecordList, start: date, end: date, scope: str | None) -> Written:
    """The sentences of a record list for a period and scope, in date order, repeats written once."""
    query = SOURCES[spec.source]
    params = {k: v for k, v in {"start": start, "end": end, "scope": scope}.items() if f"${k}" in query}
    columns = _columns(con, spec.source, params)
    where = []
    for n, (column, op, value) in enumerate(spec.filters):
        if column not in columns:
            raise TemplateError(f"@list {spec.name}: {spec.source} has no column {column!r}")
        params[f"v{n}"] = value
        where.append({"=": f'"{column}"::varchar = $v{n}', "!=": f'coalesce("{column}"::varchar, \'\') <> $v{n}',
                      "~": f'contains("{column}"::varchar, $v{n})'}[op])
    # records of one date in the source's own order (`position`) when it has one, then by place
    order = "record_on nulls last" + (", position" if "position" in columns else "") + ", places[1].path, places[1].row_number"
    if spec.metric:  # a metric's record list: its members, as the metric layer defines them, once
        if spec.source not in MEMBERS:
            raise TemplateError(f"@list {spec.name}: {spec.source} records are not metric members; "
                                f"metric= works with {' and '.join(MEMBERS)}")
        metrics = spec.metric.split(",")
        known = {r[0] for r in con.execute("select metric_id from metrics.catalogue").fetchall()}
        if unknown := [m for m in metrics if m not in known]:
            raise TemplateError(f"@list {spec.name}: unknown metric {', '.join(unknown)} (see metrics.md)")
        params.update(metrics=metrics, start=start, end=end, scope=scope)
        # a record is a member when a row it comes from is one the metrics count (their items
        # differ: an activity, an aid row, a society counted once)
        where.append(f"list_has_any(places, (select list(distinct place) from {MEMBERS[spec.source]}($start, $end, "
                     "scope_name := $scope) as m, unnest(m.places) as t(place) where list_contains($metrics, m.metric_id)))")
    cursor = con.execute(f"select * from ({query}) where {' and '.join(where) or 'true'} order by {order}", params)
    names = [d[0] for d in cursor.description]
    sentences, places, count = [], [], 0
    for row in cursor.fetchall():
        record = dict(zip(names, row))
        record["date"] = record["record_on"]
        sentence = FIELD.sub(lambda m: _value(record, m["field"], m["style"]), spec.pattern)
        places.extend(record["places"])
        count += 1
        if sentence not in sentences:
            sentences.append(sentence)
    if spec.limit is not None:
        sentences = sentences[:spec.limit]  # the template says 等 when it names only some
    return Written(spec.join.join(sentences), count, places)
