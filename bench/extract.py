"""Extraction speed: taizhang's extraction against the raw reader, on the same files.

Generates (once, cached under bench/out/) one large ledger workbook and many small ones,
realistic: title rows, synonym types, Excel and text dates, full-width digits. Then times
in one run, side by side:

  raw reader   fastexcel (calamine) loading every sheet into Arrow, nothing else
  taizhang     extract_file: sniffing and safety checks, header and title detection,
               row classification, every normaliser, lineage columns
  taizhang ×N  the same through the isolated worker pool ingest uses

and prints rows/s and the ratio to the raw reader. Never a test: figures only.

    .venv/bin/python bench/extract.py                 # 1 × 1,000,000 rows and 500 × 2,000 rows
    .venv/bin/python bench/extract.py --quick         # 1 × 100,000 rows and 50 × 2,000 rows
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from inboxes import HEADER, ROOT, banner, inbox, raw_reader, shapes

sys.path.insert(0, str(ROOT))

from flows.extract import extract_file  # noqa: E402
from flows.workers import extract_many  # noqa: E402

def taizhang(paths: list[Path]) -> int:
    return sum(extract_file(p).rows for p in paths)


def taizhang_pool(paths: list[Path]) -> int:
    return sum(r.rows for r in extract_many(paths))


def timed(label: str, run, paths: list[Path], baseline: float | None) -> float:
    started = time.perf_counter()
    rows = run(paths)
    seconds = time.perf_counter() - started
    rate = rows / seconds
    ratio = f"{rate / baseline:6.0%} of raw" if baseline else ""
    print(f"  {label:<14} {rows:>10,} rows  {seconds:7.2f} s  {rate:>12,.0f} rows/s  "
          f"{seconds / len(paths):7.3f} s/file  {ratio}", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    args = parser.parse_args()
    print(banner("extraction"))
    for name, files, rows in shapes(args.quick):
        paths = inbox(name, files, rows)
        print(f"{name}: {files} file(s) × {rows:,} rows × {len(HEADER)} columns")
        baseline = timed("raw reader", raw_reader, paths, None)
        timed("taizhang", taizhang, paths, baseline)
        timed("taizhang ×2", taizhang_pool, paths, baseline)


if __name__ == "__main__":
    main()
