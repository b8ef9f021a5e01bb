"""Validation: Great Expectations suites run over whole batches, failures turned into problems.

The suites are the JSON files in `expectations/` (the single source of truth); each
expectation's `meta` names its rule, the field it guards and the reason a person reads,
in Chinese, with `{value}` standing for the original cell text. One validation runs per
batch and suite, not per file: GX costs about 0.1 s a run.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

from flows.extract import FileRead

PROBLEM_COLUMNS = ["file_id", "sheet", "row_number", "column_letter", "field", "rule", "value", "reason"]


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
def _suite(expectations_dir: Path, name: str):
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    data = read_suite(expectations_dir, name)
    configs = [
        ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta"), description=e.get("description"))
        for e in data["expectations"]
    ]
    context, _ = _context()
    return context.suites.add_or_update(ExpectationSuite(name=name, expectations=configs, meta=data.get("meta")))


def validate_records(records: pd.DataFrame, suite_name: str, expectations_dir: Path,
                     files: dict[str, FileRead], parameters: dict | None = None) -> pd.DataFrame:
    """Run a suite over a batch of records; one problem row per failed rule and row."""
    if records.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    records = records.reset_index(drop=True)
    _, batch_definition = _context()
    batch = batch_definition.get_batch(batch_parameters={"dataframe": records})
    result = batch.validate(
        _suite(expectations_dir, suite_name),
        expectation_parameters=parameters or {},
        result_format={"result_format": "COMPLETE"},
    )
    problems = []
    for outcome in result.results:
        config = outcome.expectation_config
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {config.meta.get('rule')} of suite {suite_name} failed to run: "
                               f"{outcome.exception_info.get('exception_message')}")
        if outcome.success:
            continue
        meta = config.meta
        field = meta["field"]
        value_column = f"{field}_raw" if f"{field}_raw" in records else field
        for index in outcome.result.get("unexpected_index_list") or []:
            row = records.loc[index]
            value = row[value_column]
            value = None if pd.isna(value) else str(value)
            problems.append({
                "file_id": row["file_id"],
                "sheet": row["sheet"],
                "row_number": int(row["row_number"]),
                "column_letter": files[row["file_id"]].column_letter(row["sheet"], field),
                "field": field,
                "rule": meta["rule"],
                "value": value,
                "reason": meta["reason"].format(value=value or ""),
            })
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def refusal_problems(files: list[FileRead]) -> pd.DataFrame:
    """One file-level problem per refused file."""
    rows = [
        {"file_id": f.file_id, "sheet": None, "row_number": None, "column_letter": None, "field": None,
         "rule": "file_refused", "value": f.path.name, "reason": f.refusal}
        for f in files if f.refusal
    ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
