"""Ingest stages side by side: extraction, validation, loading and publishing of the same rows.

Runs the stages of `taizhang ingest` directly (no Prefect bookkeeping) on the generated
inboxes of bench/inboxes.py, into a fresh DuckDB file and its analyst copy, and prints
seconds and rows/s per stage and the peak memory. Validation must stay below extraction.

    .venv/bin/python bench/ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from inboxes import ROOT, UNITS, banner, inbox, shapes

sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from flows.extract import to_frame  # noqa: E402
from flows.contracts import CONTRACTS  # noqa: E402
from flows.workers import extract_many  # noqa: E402
from flows.load import load_batch  # noqa: E402
from flows.publish import publish_analyst_copy  # noqa: E402
from flows.settings import Settings  # noqa: E402
from flows.validate import _context, refusal_problems, validate_records  # noqa: E402
from flows.warehouse import open_warehouse  # noqa: E402


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    args = parser.parse_args()
    settings = Settings.load()
    print(banner("ingest"))
    started = time.perf_counter()
    _context()  # Great Expectations' start-up, once per process
    print(f"Great Expectations start-up (once per run): {time.perf_counter() - started:.2f} s")
    for name, files, rows in shapes(args.quick):
        paths = inbox(name, files, rows)
        print(f"{name}: {files} file(s) × {rows:,} rows")
        started = time.perf_counter()
        reads = extract_many(paths)
        extracted = time.perf_counter()
        by_id = {r.file_id: r for r in reads}
        problems = [refusal_problems(reads)]
        for contract in CONTRACTS:
            tables = [r.tables[contract.table] for r in reads if contract.table in r.tables]
            if tables:
                frame = to_frame(pa.concat_tables(tables))
                problems.append(validate_records(frame, contract, settings.expectations_dir, by_id,
                                                 {"unit_names": UNITS}))
        problems = pd.concat(problems, ignore_index=True)
        validated = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            with open_warehouse(Path(folder) / "bench.duckdb", settings.sql_dir) as con:
                load_batch(con, reads, problems, paths[0].parent, "bench")
            loaded = time.perf_counter()
            with open_warehouse(Path(folder) / "bench.duckdb", settings.sql_dir) as con:
                publish_analyst_copy(con, Path(folder) / "bench.duckdb")
        published = time.perf_counter()
        total = sum(r.rows for r in reads)
        for stage, seconds in (("extract", extracted - started), ("validate", validated - extracted),
                               ("load", loaded - validated), ("publish", published - loaded),
                               ("all", published - started)):
            print(f"  {stage:<9} {seconds:7.2f} s  {total / seconds:>12,.0f} rows/s")
        print(f"  problems found: {len(problems):,}; peak memory (largest process): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
