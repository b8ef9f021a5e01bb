"""What should have happened: the 三会一课 rules and the submission calendar of `reports/rules.yaml`.

Analysts edit the file; `load_rules` checks it (a mistake is one sentence naming its line) and
`write_rules` puts it into the warehouse's `raw.meeting_rules` and `raw.submission_rules`, from
which `marts.meeting_compliance` and `marts.submission_status` compute the slots owed. The
same file says which 栏目 a 公众号 post belongs to when its title does not (`publicity_keywords`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from flows.settings import PROJECT_ROOT, Settings

DEFAULT_RULES = Settings.rules
PERIODS = ("month", "quarter", "year")
SOURCES = ("activity_ledger",)  # the ledgers a calendar can ask for (monthly activity ledgers today)


class RulesError(ValueError):
    """The rules file cannot be used as written."""


@dataclass(frozen=True)
class MeetingRule:
    unit_type: str
    activity_type: str
    at_least: int
    per: str
    line: int


@dataclass(frozen=True)
class SubmissionRule:
    unit_type: str
    source: str
    per: str
    due_day: int
    line: int


def _vocabulary(suite: str, rule: str) -> set[str]:
    """The values one rule of an expectation suite allows (the activity types, the unit types)."""
    expectations = json.loads((PROJECT_ROOT / "expectations" / f"{suite}.json").read_text(encoding="utf-8"))
    for expectation in expectations["expectations"]:
        if expectation["meta"].get("rule") == rule:
            return set(expectation["kwargs"]["value_set"])
    raise RulesError(f"expectations/{suite}.json has no rule {rule}")


def _entries(document: yaml.Node | None, section: str, path: Path) -> list[tuple[int, dict]]:
    """(line, mapping) for each entry of one section, as written."""
    if document is None:
        return []
    if not isinstance(document, yaml.MappingNode):
        raise RulesError(f"{path}, line {document.start_mark.line + 1}: the rules file must be a mapping with "
                         "`meetings:` and `submissions:`; see the comments in reports/rules.yaml")
    for key, value in document.value:
        if key.value == section:
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                return []
            if not isinstance(value, yaml.SequenceNode):
                raise RulesError(f"{path}, line {value.start_mark.line + 1}: `{section}` must be a list of rules")
            out = []
            for item in value.value:
                line = item.start_mark.line + 1
                entry = yaml.safe_load(yaml.serialize(item))
                if not isinstance(entry, dict):
                    raise RulesError(f"{path}, line {line}: a rule of `{section}` must be a mapping like "
                                     "{unit_type: 党支部, …}")
                out.append((line, entry))
            return out
    return []


def _field(entry: dict, name: str, allowed, path: Path, line: int, section: str):
    value = entry.get(name)
    if value is None:
        raise RulesError(f"{path}, line {line}: the {section} rule has no `{name}`; add it")
    if callable(allowed):
        if not allowed(value):
            raise RulesError(f"{path}, line {line}: `{name}: {value}` is not allowed; see the comments in the file")
    elif value not in allowed:
        raise RulesError(f"{path}, line {line}: `{name}: {value}` is not one of {', '.join(map(str, sorted(allowed)))}")
    return value


def _rules(document: yaml.Node | None, section: str, kind: type, checks: dict, path: Path) -> list:
    """The rules of one section, each of `kind` (a dataclass whose fields are the keys, then `line`)."""
    keys = [f for f in kind.__dataclass_fields__ if f != "line"]
    what = section.removesuffix("s")
    out = []
    for line, entry in _entries(document, section, path):
        unknown = set(entry) - set(keys)
        if unknown:
            raise RulesError(f"{path}, line {line}: unknown key {', '.join(sorted(unknown))} in a {what} rule")
        out.append(kind(**{key: _field(entry, key, checks[key], path, line, what) for key in keys}, line=line))
    return out


def load_rules(path: Path) -> tuple[list[MeetingRule], list[SubmissionRule]]:
    """The meeting rules and the submission calendar of `path`, checked line by line."""
    try:
        document = yaml.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"rules file {path} does not exist: restore reports/rules.yaml or set TAIZHANG_RULES") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise RulesError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)}); "
                         "fix the line (the comments in the file show the form)") from None
    vocabularies = {"unit_type": _vocabulary("register_units", "unit_type_in_vocabulary"),
                    "activity_type": _vocabulary("activities", "activity_type_in_vocabulary"),
                    "per": PERIODS, "source": SOURCES}
    checks = {**vocabularies, "at_least": lambda v: isinstance(v, int) and v >= 1,
              "due_day": lambda v: isinstance(v, int) and 1 <= v <= 28}
    meetings = _rules(document, "meetings", MeetingRule, checks, path)
    submissions = _rules(document, "submissions", SubmissionRule, checks, path)
    return meetings, submissions


@lru_cache(maxsize=8)
def _publicity_keywords(path: Path, _changed: float) -> dict[str, list[str]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    section = document.get("publicity_columns") or {}
    if not isinstance(section, dict) or not all(isinstance(v, list) for v in section.values()):
        raise RulesError(f"{path}: `publicity_columns` must map each 栏目 to a list of keywords, "
                         "e.g. 党史天天学: [党史天天学, 百年党史]")
    return {str(column): [str(word) for word in words] for column, words in section.items()}


def publicity_keywords(path: Path) -> dict[str, list[str]]:
    """栏目 → the keywords that put a 公众号 post without a `【栏目】` title prefix into it, in order."""
    if not path.exists():
        return {}
    return _publicity_keywords(path, path.stat().st_mtime)


def write_rules(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Replace the warehouse's rule tables with the rules of `path` (checked first: nothing changes on error)."""
    meetings, submissions = load_rules(path)
    con.execute("delete from raw.meeting_rules")
    con.execute("delete from raw.submission_rules")
    if meetings:
        con.executemany("insert into raw.meeting_rules values (?, ?, ?, ?, ?)",
                        [[r.unit_type, r.activity_type, r.at_least, r.per, r.line] for r in meetings])
    if submissions:
        con.executemany("insert into raw.submission_rules values (?, ?, ?, ?, ?)",
                        [[r.unit_type, r.source, r.per, r.due_day, r.line] for r in submissions])
