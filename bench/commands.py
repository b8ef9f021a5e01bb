"""Everyday speed: what a person at a shell waits for, beside its references, in one run.

On a year's warehouse (the demo year: 54 files), from a plain shell with no Prefect server
configured and `taizhang serve` not running, in interleaved rounds (this machine's speed
drifts within minutes, so each figure is the median of rounds taken side by side):

- the bare imports a report needs (`python -c "import pandas, duckdb, pyarrow, docx"`);
- `taizhang report annual` as it runs by default (forked from the standby process, which has
  imported everything, against the shared local Prefect server: the first command of a
  session starts both); importing for itself (TAIZHANG_STANDBY_MINUTES=0) against the shared
  server; and the way before either, each command importing and starting its own temporary
  Prefect server (TAIZHANG_SHARED_SERVER_IDLE_MINUTES=0 as well);
- one new small ledger (20 rows) ingested into that warehouse, the same three ways;
- `taizhang report annual --pdf` beside LibreOffice converting the same .docx alone.

Targets (issue #18): report ≤ 3× the imports, one new ledger ≤ 4×, the PDF adding no more
than LibreOffice's own conversion.

    .venv/bin/python bench/commands.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inboxes import banner, stop_background, wait_for_standby, write_ledger

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(banner("everyday commands on a year's warehouse"))
    with tempfile.TemporaryDirectory(prefix="taizhang-commands-") as scratch:
        scratch = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "TAIZHANG_"))}
        env.update(PREFECT_HOME=str(scratch / "prefect"), TAIZHANG_SERVE_PORT="1", TAIZHANG_SETTLE_SECONDS="0")
        importing = {**env, "TAIZHANG_STANDBY_MINUTES": "0"}
        temporary = {**importing, "TAIZHANG_SHARED_SERVER_IDLE_MINUTES": "0"}
        ways = {"standby": env, "own imports": importing, "temporary server": temporary}
        subprocess.run([TAIZHANG, "demo", "--out", str(scratch / "year")], env=env, capture_output=True, check=True)
        warehouse, inbox, out = scratch / "year" / "taizhang.duckdb", scratch / "year" / "inbox", scratch / "out"
        report = [TAIZHANG, "--warehouse", str(warehouse), "report", "annual", "--year", "2021", "--out", str(out)]
        ingest = [TAIZHANG, "--warehouse", str(warehouse), "--inbox", str(inbox), "ingest"]
        imports = [sys.executable, "-c", "import pandas, duckdb, pyarrow, docx"]
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        figures: dict[str, list[float]] = {}

        def add(name: str, seconds: float) -> None:
            figures.setdefault(name, []).append(seconds)

        timed(report, env)  # the shared server is up from the demo, the standby starts; the file cache warms
        wait_for_standby(scratch / "prefect")
        for n in range(rounds):
            add("imports", timed(imports, env))
            for way, way_env in ways.items():
                add(f"report, {way}", timed(report, way_env))
            for way, way_env in ways.items():
                write_ledger(inbox / f"机关第一党支部2021年学习台账（补报{n}{way}）.xlsx", 20, seed=70_000 + 97 * n + len(way))
                add(f"one new ledger, {way}", timed(ingest, way_env))
            if soffice:
                add("report --pdf, standby", timed(report + ["--pdf"], env))
                docx = out / "XX市社科联_年度总结_2021.docx"
                add("LibreOffice alone", timed([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                                                str(scratch / "pdf"), str(docx)], env))

        stop_background(scratch / "prefect")

    median = {name: statistics.median(values) for name, values in figures.items()}
    base = median["imports"]
    print(f"{rounds} interleaved rounds; median seconds (min–max); × = against the bare imports")
    for name, values in figures.items():
        print(f"  {name:<34} {median[name]:6.2f} s  ({min(values):.2f}–{max(values):.2f})  "
              f"{median[name] / base:5.1f}×")
    for name, factor in (("report", 3), ("one new ledger", 4)):
        got = median[f"{name}, standby"]
        print(f"target: {name} ≤ {factor}× imports ({factor * base:.2f} s): {got:.2f} s "
              f"({got / base:.1f}×) {'met' if got <= factor * base else 'NOT met'}")
    if "LibreOffice alone" in median:
        added = median["report --pdf, standby"] - median["report, standby"]
        alone = median["LibreOffice alone"]
        print(f"target: --pdf adds ≤ LibreOffice alone ({alone:.2f} s): adds {added:.2f} s "
              f"{'met' if added <= alone else 'NOT met'}")


if __name__ == "__main__":
    main()
