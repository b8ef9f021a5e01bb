"""Everyday speed: what a person at a shell waits for, beside its references, in one run.

On a year's warehouse (the demo year: 54 files), from a plain shell with no Prefect server
configured and `taizhang serve` not running, in interleaved rounds (this machine's speed
drifts within minutes, so each figure is the median of rounds taken side by side):

- the bare imports a report needs (`python -c "import pandas, duckdb, pyarrow, docx"`);
- `taizhang report annual` with the shared local Prefect server up (the default: the first
  command of the day starts it), and with each command starting its own temporary server
  (TAIZHANG_SHARED_SERVER_IDLE_MINUTES=0, the way before);
- one new small ledger (20 rows) ingested into that warehouse, both ways;
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

from inboxes import banner, write_ledger

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def stop_shared_server(home: Path) -> None:
    """The shared server this run started ends with it (its home is about to go)."""
    import json
    import signal

    try:
        os.kill(json.loads((home / "taizhang-api.json").read_text())["pid"], signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(banner("everyday commands on a year's warehouse"))
    with tempfile.TemporaryDirectory(prefix="taizhang-commands-") as scratch:
        scratch = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "TAIZHANG_"))}
        env.update(PREFECT_HOME=str(scratch / "prefect"), TAIZHANG_SERVE_PORT="1", TAIZHANG_SETTLE_SECONDS="0")
        temporary = {**env, "TAIZHANG_SHARED_SERVER_IDLE_MINUTES": "0"}
        subprocess.run([TAIZHANG, "demo", "--out", str(scratch / "year")], env=env, capture_output=True, check=True)
        warehouse, inbox, out = scratch / "year" / "taizhang.duckdb", scratch / "year" / "inbox", scratch / "out"
        report = [TAIZHANG, "--warehouse", str(warehouse), "report", "annual", "--year", "2021", "--out", str(out)]
        ingest = [TAIZHANG, "--warehouse", str(warehouse), "--inbox", str(inbox), "ingest"]
        imports = [sys.executable, "-c", "import pandas, duckdb, pyarrow, docx"]
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        figures: dict[str, list[float]] = {}

        def add(name: str, seconds: float) -> None:
            figures.setdefault(name, []).append(seconds)

        timed(report, env)  # the shared server is up from the demo; warm the file cache once
        for n in range(rounds):
            add("imports", timed(imports, env))
            add("report, shared server", timed(report, env))
            add("report, temporary server", timed(report, temporary))
            write_ledger(inbox / f"机关第一党支部2021年学习台账（补报{n}a）.xlsx", 20, seed=70_000 + n)
            add("one new ledger, shared server", timed(ingest, env))
            write_ledger(inbox / f"机关第一党支部2021年学习台账（补报{n}b）.xlsx", 20, seed=80_000 + n)
            add("one new ledger, temporary server", timed(ingest, temporary))
            if soffice and n < 3:
                add("report --pdf, shared server", timed(report + ["--pdf"], env))
                docx = out / "XX市社科联_年度总结_2021.docx"
                add("LibreOffice alone", timed([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                                                str(scratch / "pdf"), str(docx)], env))

        stop_shared_server(scratch / "prefect")

    median = {name: statistics.median(values) for name, values in figures.items()}
    base = median["imports"]
    print(f"{rounds} interleaved rounds; median seconds (min–max); × = against the bare imports")
    for name, values in figures.items():
        print(f"  {name:<34} {median[name]:6.2f} s  ({min(values):.2f}–{max(values):.2f})  "
              f"{median[name] / base:5.1f}×")
    print(f"target: report ≤ 3× imports ({3 * base:.2f} s): shared {median['report, shared server']:.2f} s; "
          f"one new ledger ≤ 4× ({4 * base:.2f} s): shared {median['one new ledger, shared server']:.2f} s")
    if "LibreOffice alone" in median:
        added = median["report --pdf, shared server"] - median["report, shared server"]
        print(f"--pdf adds {added:.2f} s; LibreOffice alone converts it in {median['LibreOffice alone']:.2f} s")
    print(f"the shared server saves {median['report, temporary server'] - median['report, shared server']:.2f} s "
          "per report")


if __name__ == "__main__":
    main()
