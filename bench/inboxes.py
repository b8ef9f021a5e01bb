"""Generated inboxes for the benchmarks, cached under bench/out/: realistic ledger workbooks.

Title rows, synonym activity types, Excel and text dates, full-width digits, as in
`../shared/spec/sources.md`. Written in constant memory, so a million rows fit.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]

HEADER = ["序号", "活动日期", "活动类型", "活动名称", "组织单位", "主讲人", "主讲人职务", "参加人数",
          "活动地点", "活动形式", "是否第一议题", "备注"]
TYPES = ["中心组学习", "支部集中学习", "集体学习", "研讨交流", "讲党课", "主题党日", "支委会", "重温入党誓词", "理论宣讲"]
UNITS = ["办公室", "机关第一党支部", "机关第二党支部", "研究室", "普及部"]


def write_ledger(path: Path, rows: int, seed: int) -> None:
    """A ledger workbook of `rows` activities, written in constant memory."""
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": datetime(2021, 1, 1)})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("活动台账")
    sheet.write(0, 0, "XX市社科联学习活动台账")
    sheet.write(1, 0, "填报单位：办公室\u3000\u3000填报人：郑丽\u3000\u3000填报日期：2021年4月2日")
    sheet.write_row(2, 0, HEADER)
    start = date(2021, 1, 1)
    for r in range(rows):
        day = start + timedelta(days=rng.randrange(365))
        row = 3 + r
        sheet.write_number(row, 0, r + 1)
        if r % 4:
            sheet.write_datetime(row, 1, datetime(day.year, day.month, day.day), date_format)
        else:
            sheet.write_string(row, 1, f"{day.year}年{day.month}月{day.day}日")
        kind = rng.choice(TYPES)
        sheet.write_string(row, 2, kind)
        sheet.write_string(row, 3, f"党史学习教育专题学习（第{r + 1}次）")
        sheet.write_string(row, 4, rng.choice(UNITS))
        sheet.write_string(row, 5, rng.choice(["张建国", "王芳", "陈静"]))
        sheet.write_string(row, 6, rng.choice(["党组书记、主席", "部长", "副主席"]))
        if r % 10:
            sheet.write_number(row, 7, rng.randint(5, 80))
        else:
            sheet.write_string(row, 7, "".join(chr(ord(c) + 0xFEE0) for c in str(rng.randint(5, 80))))
        sheet.write_string(row, 8, "机关三楼会议室")
        sheet.write_string(row, 9, "线下")
        sheet.write_string(row, 10, rng.choice(["是", ""]) if kind == "中心组学习" else "")
    book.close()


def inbox(name: str, files: int, rows: int) -> list[Path]:
    """The files of a generated inbox, written the first time they are asked for."""
    import sys

    sys.path.insert(0, str(ROOT))
    from flows.demo import write_register

    folder = ROOT / "bench" / "out" / f"{name}_{files}x{rows}"
    paths = [folder / f"台账{i:04d}.xlsx" for i in range(files)]
    if not all(p.exists() for p in paths):
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {files} × {rows:,} rows in {folder} …", flush=True)
        for i, path in enumerate(paths):
            write_ledger(path, rows, seed=i)
    register = folder / "组织机构与班子（2021年版）.xlsx"  # the units the ledgers name, as ingest needs them
    if not register.exists():
        write_register(register)
    return paths


def shapes(quick: bool) -> list[tuple[str, int, int]]:
    """(name, files, rows per file): one large workbook, and many small ones; a tenth with --quick."""
    scale = 10 if quick else 1
    return [("one_large", 1, 1_000_000 // scale), ("many_small", 500 // scale, 2_000)]


def banner(what: str) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return f"taizhang {what} benchmark — commit {commit}, {date.today()}"


def raw_reader(paths: list[Path]) -> int:
    """The reference every throughput is a share of: fastexcel (calamine) reading each sheet's
    rows under its header into Arrow, and nothing else. One definition for every bench."""
    import logging

    import fastexcel

    # the mixed 备注 column of every workbook: one warning each, which would bury the figures
    logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)
    rows = 0
    for path in paths:
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            rows += reader.load_sheet(name, header_row=2).to_arrow().num_rows
    return rows


def stop_background(home: Path) -> None:
    """The shared server and the standby this run started end with it (their home is about to go)."""
    pids = []
    try:
        pids.append(json.loads((home / "taizhang-api.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        pass
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if b"flows.standby" in (proc / "cmdline").read_bytes() and \
                    f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:
            continue
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


def wait_for_standby(home: Path, timeout: float = 60) -> None:
    """Until the standby a command started (its log in `home`) has imported everything."""
    log = home / "taizhang-standby.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and " ready" in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"no standby became ready within {timeout:.0f} s (see {log})")
