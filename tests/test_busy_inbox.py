"""A shared inbox people copy files into while the hourly ingest runs: half-written files,
`cp -p` copies with old modification times, and an inbox path that is wrong."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, datetime

import duckdb
import pytest

from flows.cli import main
from flows.pipeline import ingest
from workbooks import LEDGER_HEADER, write_csv, write_xlsx

UNIT = "研究室"
REGISTER = "组织机构与班子（2022年版）.xlsx"
ROWS = [[n, f"2022-06-0{n + 1}", "集体学习", f"集体学习（第{n}次）", UNIT, None, None, 10 + n] for n in (1, 2, 3)]


def ledger_csv(path, rows):
    return write_csv(path, [[f"XX市社科联{UNIT}2022年6月学习活动台账"], [f"填报单位：{UNIT}"], LEDGER_HEADER, *rows])


def run(settings, **kwargs):
    return ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out),
                  **kwargs)


def query(settings, sql):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def registered(prefect, settings, samples):
    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    return settings


def test_a_complete_file_copied_with_cp_p_over_a_truncated_one_wins(registered, tmp_path):
    settings = registered
    complete = ledger_csv(tmp_path / "complete.csv", ROWS)
    stamp = datetime(2022, 7, 1, 9).timestamp()
    os.utime(complete, (stamp, stamp))  # written a while ago, on the sender's machine
    target = settings.inbox / f"{UNIT}2022年6月学习台账.csv"
    ledger_csv(target, ROWS[:2])  # the copy was cut at a line boundary when the run read it
    run(settings)
    assert query(settings, "select count(*) from core.activities") == [(2,)]

    shutil.copy2(complete, target)  # `cp -p`: the whole file, with its older modification time
    assert target.stat().st_mtime < time.time() - 3600
    run(settings)
    assert query(settings, "select count(*) from core.activities") == [(3,)]
    assert query(settings, "select rows_read, status from core.files where source = 'activity_ledger' "
                           "order by rows_read") == [(2, "superseded"), (3, "loaded")]


def test_a_file_still_being_written_waits_and_is_read_once_settled(registered, monkeypatch, capsys):
    settings = registered
    monkeypatch.setenv("TAIZHANG_SETTLE_SECONDS", "8")  # longer than a loaded machine takes to reach the scan
    monkeypatch.setenv("TAIZHANG_REPORTS", str(settings.reports_out))
    command = ["--warehouse", str(settings.warehouse), "--inbox", str(settings.inbox), "ingest"]
    time.sleep(8.1)  # the register has been there a while
    target = ledger_csv(settings.inbox / f"{UNIT}2022年6月学习台账.csv", ROWS)
    os.utime(target, (datetime(2022, 7, 1).timestamp(),) * 2)  # an old modification time does not make it settled
    assert main(command) == 0
    out = capsys.readouterr().out
    assert f"waiting    {target.name}" in out and "read by the next run" in out
    assert query(settings, "select file_name, state from raw.files") == [(REGISTER, "loaded")]

    time.sleep(8.1)
    assert main(command) == 0
    assert f"loaded     {target.name}" in capsys.readouterr().out
    assert query(settings, "select count(*) from core.activities") == [(3,)]


def test_a_half_copied_workbook_s_refusal_closes_when_the_whole_file_arrives(registered, tmp_path):
    settings = registered
    whole = write_xlsx(tmp_path / "whole.xlsx", {"台账": [
        [f"XX市社科联{UNIT}2022年6月学习活动台账"], [f"填报单位：{UNIT}"], LEDGER_HEADER,
        [1, date(2022, 6, 8), "集体学习", "集体学习（第1次）", UNIT, None, None, 12]]})
    target = settings.inbox / f"{UNIT}2022年6月学习台账.xlsx"
    target.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    run(settings)
    assert query(settings, "select state from raw.files where file_name = ?".replace("?", f"'{target.name}'")) == [
        ("refused",)]
    assert len(query(settings, "select * from marts.open_problems")) == 1
    assert (settings.receipts).exists() and any(settings.receipts.iterdir())

    shutil.copy(whole, target)
    for _ in range(4):  # the full file, then three more runs
        run(settings)
        assert query(settings, "select count(*) from marts.open_problems") == [(0,)]
    assert query(settings, "select status from core.files where source = 'activity_ledger' or state = 'refused' "
                           "order by ingested_at") == [("superseded",), ("loaded",)]
    assert not settings.receipts.exists() or not any(settings.receipts.iterdir())


def test_a_later_file_at_the_same_path_never_replaces_another_submission(registered):
    settings = registered
    target = settings.inbox / "台账.csv"
    ledger_csv(target, ROWS)
    run(settings)
    may = [[n, f"2022-05-0{n + 1}", "集体学习", f"五月学习（第{n}次）", UNIT, None, None, 5] for n in (1, 2)]
    write_csv(target, [[f"XX市社科联{UNIT}2022年5月学习活动台账"], [f"填报单位：{UNIT}"], LEDGER_HEADER, *may])
    run(settings)  # the same file name reused for another month: both months stay
    assert query(settings, "select count(*) from core.activities") == [(5,)]


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_an_inbox_that_is_not_a_folder_is_a_configuration_error(tmp_path, capsys, kind):
    inbox = tmp_path / "inbox"
    if kind == "a file":
        inbox.write_text("not a folder")
    warehouse = tmp_path / "new" / "taizhang.duckdb"
    assert main(["--warehouse", str(warehouse), "--inbox", str(inbox), "ingest"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"inbox {inbox} ") and "--inbox" in err[0]
    assert not warehouse.exists() and not warehouse.parent.exists()


@pytest.mark.parametrize("path, inbox", [
    ("/srv/inbox/x.xlsx", "/srv/inbox"), ("/srv/inbox/2021-03/办公室/x.xlsx", "/srv/inbox"),
    ("/srv/inboxes/x.xlsx", "/srv/inbox"), ("/srv/other/x.xlsx", "/srv/inbox"), ("/x.csv", "/"),
    ("inbox/x.csv", "inbox"), ("inbox2/x.csv", "inbox"), ("/srv/inbox", "/srv/inbox")])
def test_a_file_s_path_is_stored_relative_to_the_inbox_as_path_relative_to_gives_it(path, inbox):
    """Stored paths are compared as text; they are what `Path.relative_to` gives (a folder
    whose name merely starts like the inbox's is not inside it)."""
    from pathlib import Path

    from flows.inbox import relative

    try:
        expected = Path(path).relative_to(Path(inbox)).as_posix()
    except ValueError:
        expected = Path(path).as_posix()
    assert relative(Path(path), Path(inbox)) == expected


def test_files_already_loaded_and_touched_since_are_unchanged_not_waiting(registered, monkeypatch, capsys):
    """Right after `make demo` (or a restore, or `touch`), the inbox's files are all recent: those
    whose bytes are loaded under the same path are unchanged, and only a new one waits."""
    settings = registered
    monkeypatch.setenv("TAIZHANG_REPORTS", str(settings.reports_out))
    monkeypatch.setenv("TAIZHANG_SETTLE_SECONDS", "0")
    command = ["--warehouse", str(settings.warehouse), "--inbox", str(settings.inbox), "ingest"]
    assert main(command) == 0
    capsys.readouterr()

    (settings.inbox / REGISTER).touch()
    new = ledger_csv(settings.inbox / f"{UNIT}2022年6月学习台账.csv", ROWS)
    monkeypatch.setenv("TAIZHANG_SETTLE_SECONDS", "600")
    assert main(command) == 0
    out = capsys.readouterr().out
    assert f"waiting    {new.name}" in out
    assert REGISTER not in out
    assert query(settings, "select file_name, state from raw.files") == [(REGISTER, "loaded")]
