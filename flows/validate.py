"""Validation: Great Expectations suites run over whole batches, failures turned into problems.

The suites are the JSON files in `expectations/` (the single source of truth); each
expectation's `meta` names its rule, the field it guards and the reason a person reads,
in Chinese, with `{value}` standing for the original cell text and `{column}` for any
other column of the row. One validation runs per suite over all the files a worker read
together (`validate_files`, in the worker that read them), not per file: GX costs about
0.1–0.4 s a run. The data docs of a run's validations are rendered once, at its end
(`render_docs`). A suite can also run for some of its rules only: when a new register
arrives, the unit rules re-check the rows loaded before it.

Some rules compare a row with its submission, so the batch gets derived columns before
validation (they are not stored):

- `window_start`, `window_end`: the file's period widened by `PERIOD_TOLERANCE` on both
  sides, for "the date falls within the period" (a June ledger may list 2 July);
- `today`, for "not in the future";
- `duplicate_of`: the row number of an earlier identical row of the same submission
  (same `duplicate_key` fields), for "no duplicate rows". Online-form exports are
  exempt: there a repeated submission is a correction, and the later one wins.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.docs_assets import localise
from flows.extract import FileRead, concat, to_frame
from flows.contracts import CONTRACTS, DATE, DATETIME, Contract
from flows.extract.normalise import as_written
from flows.settings import PROJECT_ROOT

PROBLEM_COLUMNS = ["file_id", "sheet", "row_number", "column_letter", "field", "rule", "value", "reason"]
PERIOD_TOLERANCE = timedelta(days=7)
PERIOD_COLUMNS = ["period_label", "window_start", "window_end"]  # derived from each row's file

# Great Expectations imports every expectation it ships, and with two of them (distribution
# tests no suite here uses) scipy.stats and altair: ≈ 1 s of its ≈ 2.4 s import, paid by the
# server the workers are forked from before the first batch can start. They load on first use.
LOADED_ON_FIRST_USE = frozenset({"scipy.stats", "altair"})


class _LoadOnFirstUse(importlib.abc.MetaPathFinder):
    """Imports LOADED_ON_FIRST_USE as modules that run their code when first used (importlib's
    `LazyLoader`): an import that only binds the name costs nothing."""

    def find_spec(self, name: str, path, target=None):
        if name not in LOADED_ON_FIRST_USE:
            return None
        for finder in sys.meta_path:
            spec = None if finder is self else getattr(finder, "find_spec", lambda *_: None)(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


if not any(isinstance(finder, _LoadOnFirstUse) for finder in sys.meta_path):  # before Great Expectations is imported
    sys.meta_path.insert(0, _LoadOnFirstUse())


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("inbox").add_dataframe_asset("records")
    return context, asset.add_batch_definition_whole_dataframe("batch")


def read_suite(expectations_dir: Path, name: str) -> dict:
    """A suite's JSON as written in `expectations/`."""
    return json.loads((expectations_dir / f"{name}.json").read_text(encoding="utf-8"))


@cache
def _expectations(expectations_dir: Path, name: str, rules: frozenset[str] | None) -> tuple[dict, ...]:
    """A suite's expectations as written, or only those of the given rules."""
    return tuple(e for e in read_suite(expectations_dir, name)["expectations"]
                 if rules is None or e["meta"]["rule"] in rules)


def unit_rules(expectations_dir: Path, name: str) -> frozenset[str]:
    """The rules of a suite that look names up in the register's units (`unit_names`)."""
    return frozenset(e["meta"]["rule"] for e in _expectations(expectations_dir, name, None)
                     if e["kwargs"].get("value_set") == {"$PARAMETER": "unit_names"})


@cache  # one suite object per (name, rules): a checkpoint refuses to run a suite replaced since it was made
def _suite(expectations_dir: Path, name: str, rules: frozenset[str] | None):
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    configs = [
        ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta"), description=e.get("description"))
        for e in _expectations(expectations_dir, name, rules)
    ]
    context, _ = _context()
    suite_name = name if rules is None else f"{name}（{'、'.join(sorted(rules))}）"
    return context.suites.add_or_update(ExpectationSuite(name=suite_name, expectations=configs,
                                                         meta=read_suite(expectations_dir, name).get("meta")))


@cache
def suite_columns(expectations_dir: Path, name: str, rules: frozenset[str] | None = None) -> frozenset[str]:
    """Every column a suite's expectations name (their columns and row conditions).

    Great Expectations copies the whole batch for each row condition it applies; giving it
    only these columns keeps each copy narrow.
    """
    columns: set[str] = set()
    for e in _expectations(expectations_dir, name, rules):
        kwargs = e["kwargs"]
        columns.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        columns.update(kwargs.get("column_list", []))
        columns.update(re.findall(r"[A-Za-z_]\w*", kwargs.get("row_condition", "")))
    return frozenset(columns)


@cache
def rule_columns(expectations_dir: Path, name: str, rules: frozenset[str] | None = None) -> frozenset[str]:
    """Every column validating with a suite's rules reads: those its expectations name, those
    its reasons name (`{period_label}` …) and each rule's field as written (`<field>_raw`, the
    value a problem shows)."""
    expectations = _expectations(expectations_dir, name, rules)
    reasons = {column for e in expectations for column in re.findall(r"\{(\w+)\}", e["meta"]["reason"])
               if column != "value"}
    return suite_columns(expectations_dir, name, rules) | reasons | {f"{e['meta']['field']}_raw" for e in expectations}


@cache
def ranged_columns(expectations_dir: Path, name: str, rules: frozenset[str] | None = None) -> frozenset[str]:
    """The columns a suite's range rules (`expect_column_values_to_be_between`) compare."""
    return frozenset(e["kwargs"]["column"] for e in _expectations(expectations_dir, name, rules)
                     if e["type"] == "expect_column_values_to_be_between")


def title_noise() -> str:
    """What does not make two titles differ, as an RE2 pattern (Arrow's regex engine and DuckDB's
    are both RE2): read from the warehouse's one definition, the macro `core.title_key`."""
    sql = (PROJECT_ROOT / "sql" / "core" / "title_key.sql").read_text(encoding="utf-8")
    return re.search(r"regexp_replace\(text, '([^']+)', '', 'g'\)", sql).group(1)


_TITLE_NOISE = title_noise()


def _key_text(column: pd.Series) -> pd.Series:
    """A duplicate-key column as comparable text: spaces and punctuation do not make rows differ
    (through Arrow, whose regex engine runs over the whole column at once)."""
    text = pa.array(column.astype(pd.StringDtype("pyarrow", na_value=float("nan"))), type=pa.large_string())
    text = pc.dictionary_encode(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
    # each distinct text once: dates, types and units repeat down a ledger
    keys = pc.replace_substring_regex(text.dictionary, _TITLE_NOISE, "").take(text.indices)
    return pd.Series(keys, index=column.index, dtype=pd.ArrowDtype(pa.large_string()))


def _duplicate_of(frame: pd.DataFrame, contract: Contract, files: dict[str, FileRead]) -> pd.Series:
    """For each row, the row number of the first row of its submission with the same key; else NA."""
    if not contract.duplicate_key:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    keys = [frame["file_id"], frame["sheet"]] + [_key_text(frame[c]) for c in contract.duplicate_key]
    first = frame["row_number"].groupby(keys, dropna=False, sort=False).transform("min")
    filled = frame[list(contract.duplicate_key)].notna().any(axis=1)
    exempt = frame["file_id"].isin([f for f in frame["file_id"].unique() if files[f].source == "online_form"])
    return first.where((first != frame["row_number"]) & filled & ~exempt).astype("Int64")


def prepare(records: pd.DataFrame, contract: Contract, files: dict[str, FileRead], today: date,
            needed: frozenset[str]) -> pd.DataFrame:
    """The batch as validated: dates as timestamps, plus those of the derived columns rules
    compare with that are `needed` (named by the rules to run)."""
    def wanted(*columns: str) -> bool:
        return any(c in needed for c in columns)

    frame = records.reset_index(drop=True)  # copy-on-write: the caller's records stay as they were
    for f in contract.fields:
        if f.kind in (DATE, DATETIME) and f.name in frame:
            frame[f.name] = pd.to_datetime(frame[f.name])
    if wanted(*PERIOD_COLUMNS):
        codes, file_ids = pd.factorize(frame["file_id"])
        per_file = pd.DataFrame.from_records(
            [(p.label if p else None, pd.Timestamp(p.start - PERIOD_TOLERANCE) if p else pd.NaT,
              pd.Timestamp(p.end + PERIOD_TOLERANCE) if p else pd.NaT)
             for p in (files[f].period for f in file_ids)],
            columns=PERIOD_COLUMNS)
        for column in per_file.columns:  # added column by column: a merge would copy the whole batch
            frame[column] = per_file[column].to_numpy()[codes]
    if wanted("today"):
        frame["today"] = pd.Timestamp(today)
    if wanted("duplicate_of"):
        frame["duplicate_of"] = _duplicate_of(frame, contract, files)
    return frame


def concat_problems(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Problem frames as one (PROBLEM_COLUMNS, also when there are none)."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROBLEM_COLUMNS)


class _Row(dict):
    """Reason templates may name any column of the row: `{activity_type}`, `{period_label}` …"""

    def __init__(self, row: pd.Series, value: str | None) -> None:
        super().__init__(value=value or "")
        self.row = row

    def __missing__(self, key: str) -> str:
        cell = self.row.get(key)
        if cell is None or pd.isna(cell):
            return ""
        if isinstance(cell, pd.Timestamp):
            return cell.date().isoformat()
        return str(cell)


@cache
def _checkpoint(expectations_dir: Path, suite_name: str, rules: frozenset[str] | None):
    """A checkpoint running one suite (or some of its rules) on a batch (its data docs are
    rendered once per run, by `render_docs`)."""
    import great_expectations as gx

    context, batch_definition = _context()
    suite = _suite(expectations_dir, suite_name, rules)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], result_format={"result_format": "COMPLETE"}))


def build_checkpoints(expectations_dir: Path) -> None:
    """Build Great Expectations' context and every suite's checkpoint now (≈ 0.3 s): a process
    forked afterwards runs its first validation without building them (`flows/preload.py`)."""
    for suite in sorted({contract.suite for contract in CONTRACTS}):
        _checkpoint(expectations_dir, suite, None)


def validate_records(records: pd.DataFrame, contract: Contract, expectations_dir: Path,
                     files: dict[str, FileRead], parameters: dict | None = None,
                     today: date | None = None, results: list | None = None,
                     rules: frozenset[str] | None = None) -> pd.DataFrame:
    """Run a contract's suite (or only its `rules`) over a batch of records; one problem row per
    failed rule and row. The records need only the columns the rules name, besides the system
    columns (`file_id`, `sheet`, `row_number`).

    `results`, if given, receives Great Expectations' own results (identifier, result) for the data docs.
    """
    if records.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    named = suite_columns(expectations_dir, contract.suite, rules)
    frame = prepare(records, contract, files, today or date.today(), rule_columns(expectations_dir, contract.suite, rules))
    checkpoint = _checkpoint(expectations_dir, contract.suite, rules)
    batch = frame[[c for c in frame.columns if c in named]]
    # Great Expectations compares numpy numbers at once, nullable integers one Python call per row
    batch = batch.astype({c: "float64" for c in ranged_columns(expectations_dir, contract.suite, rules)
                          if isinstance(batch[c].dtype, pd.Int64Dtype)})
    run = checkpoint.run(batch_parameters={"dataframe": batch}, expectation_parameters=parameters or {})
    if results is not None:
        results.extend(run.run_results.items())
    result = next(iter(run.run_results.values()))
    found = []
    for outcome in result.results:
        config = outcome.expectation_config
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {config.meta.get('rule')} of suite {contract.suite} failed to run: "
                               f"{outcome.exception_info.get('exception_message')}")
        if not outcome.success:
            found.append(_problems(frame, outcome.result.get("unexpected_index_list") or [], config.meta, files))
    problems = concat_problems(found)
    # a row breaking one rule twice (both ends of a period window) is one problem
    return problems.drop_duplicates(subset=["file_id", "sheet", "row_number", "field", "rule"], ignore_index=True)


def _problems(frame: pd.DataFrame, indices: list, meta: dict, files: dict[str, FileRead]) -> pd.DataFrame:
    """The problem rows of one broken rule, built for all its rows at once."""
    field = meta["field"]
    rows = frame.loc[indices]
    value_column = f"{field}_raw" if f"{field}_raw" in frame else field
    values = [as_written(None if pd.isna(v) else v) for v in rows[value_column].tolist()]
    template = meta["reason"]
    if set(re.findall(r"\{(\w+)\}", template)) <= {"value"}:  # the common case: no other column named
        reasons = [template.format(value=v or "") for v in values]
    else:
        reasons = [template.format_map(_Row(row, v)) for (_, row), v in zip(rows.iterrows(), values)]
    letters = {(f, sheet): files[f].column_letter(sheet, field) for f, sheet in set(zip(rows["file_id"], rows["sheet"]))}
    return pd.DataFrame({
        "file_id": rows["file_id"].tolist(),
        "sheet": rows["sheet"].tolist(),
        "row_number": rows["row_number"].astype(int).tolist(),
        "column_letter": [letters[key] for key in zip(rows["file_id"], rows["sheet"])],
        "field": field,
        "rule": meta["rule"],
        "value": values,
        "reason": reasons,
    }, columns=PROBLEM_COLUMNS)


def refusal_problems(files: list[FileRead]) -> pd.DataFrame:
    """One file-level problem per refused file."""
    rows = [
        {"file_id": f.file_id, "sheet": None, "row_number": None, "column_letter": None, "field": None,
         "rule": "file_refused", "value": f.path.name, "reason": f.refusal}
        for f in files if f.refusal
    ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


@dataclass(frozen=True)
class Checks:
    """What validating a batch needs besides its files: sent with them to the worker that reads them."""

    expectations_dir: Path
    parameters: dict           # suite parameters: the register's unit names, as the warehouse knows them
    today: date


def validate_files(files: list[FileRead], checks: Checks) -> tuple[pd.DataFrame, list]:
    """Every problem of some files read together, each source's suite run once over all their records
    (every rule compares a row with its own submission only), and Great Expectations' results."""
    by_id = {f.file_id: f for f in files}
    problems, results = [refusal_problems(files)], []
    for contract in CONTRACTS:
        tables = [f.tables[contract.table] for f in files if contract.table in f.tables]
        if tables:
            problems.append(validate_records(to_frame(concat(tables)), contract, checks.expectations_dir, by_id,
                                             checks.parameters, checks.today, results))
    return concat_problems(problems), results


def render_docs(results: list, expectations_dir: Path, docs_dir: Path) -> Path:
    """Great Expectations' data docs of one run's validations (identifier, result), written at once
    under `docs_dir`; pages of earlier runs are removed, as Great Expectations' index does. The index page."""
    context, _ = _context()
    site = f"taizhang-{abs(hash(docs_dir)) % 10**8}"
    if site not in (context.get_site_names() or []):
        context.add_data_docs_site(site_name=site, site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    for suite in sorted({contract.suite for contract in CONTRACTS}):
        _suite(expectations_dir, suite, None)
    store = context.validation_results_store  # exactly this run's: a reused worker may hold earlier ones
    for key in store.list_keys():
        store.remove_key(key)
    for identifier, result in results:
        store.set(identifier, result)
    context.build_data_docs(site_names=[site])
    localise(docs_dir)  # the pages' styles and scripts from local copies: they work offline
    return docs_dir / "index.html"
