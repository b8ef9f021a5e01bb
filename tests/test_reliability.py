"""Faults lose nothing: a loader killed at random moments, hostile names, personal data."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.demo import write_demo_inbox
from flows.contracts import CONTRACTS
from flows.pipeline import ingest
from flows.publish import publish_analyst_copy
from flows.warehouse import analyst_path
from snapshots import tables_of

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))
KILLS = 12


def invariants(warehouse: Path) -> None:
    """What must hold after any crash: no file half loaded, no submission live twice; a warehouse
    killed while it was first built holds nothing at all (the build is one transaction)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if con.execute("select count(*) from duckdb_schemas() where schema_name = 'raw'").fetchone() == (0,):
            assert con.execute("select count(*) from duckdb_tables()").fetchone() == (0,), "a warehouse half built"
            return
        counts = " + ".join(f"(select count(*) from raw.{c.table} r where r.file_id = f.file_id)" for c in CONTRACTS)
        partial = con.execute(f"select path, rows_read, {counts} from raw.files f "
                              f"where state = 'loaded' and rows_read <> {counts}").fetchall()
        assert partial == [], f"files half loaded: {partial}"
        orphans = con.execute(" union all ".join(
            f"select file_id from raw.{c.table} where file_id not in (select file_id from raw.files)"
            for c in CONTRACTS)).fetchall()
        assert orphans == [], "rows without their file"
        twice = con.execute("select submission_key, count(*) from core.files where is_live and submission_key is not null "
                            "group by 1 having count(*) > 1").fetchall()
        assert twice == [], f"submissions with two live versions: {twice}"
    finally:
        con.close()


def fingerprint(warehouse: Path) -> dict:
    """Row counts and a checksum of every row that does not depend on when or by which run it was loaded."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        queries = {f"raw.{c.table}": f"select * from raw.{c.table}" for c in CONTRACTS}
        queries["raw.files"] = "select file_id, path, file_name, source, unit_name, period_label, state, reason, rows_read from raw.files"
        queries["raw.file_arrivals"] = "select path, file_id from raw.file_arrivals"
        queries["raw.problems"] = "select * exclude (run_id, first_seen_at) from raw.problems"
        queries["core.files"] = "select file_id, status, is_live from core.files"
        queries["core.activities"] = "select activity_id, participants from core.activities"
        return {name: con.execute(f"select count(*), md5(coalesce(string_agg(t::varchar, '|' order by t::varchar), '')) "
                                  f"from ({query}) t").fetchone() for name, query in queries.items()}
    finally:
        con.close()


def test_a_loader_killed_at_random_moments_leaves_no_partial_load_and_ends_like_an_uninterrupted_run(
        prefect, tmp_path):
    from prefect.settings import PREFECT_API_URL

    inbox = tmp_path / "inbox"
    write_demo_inbox(inbox)  # a year of submissions: copies, resubmissions, refused files
    reference = tmp_path / "reference.duckdb"
    ingest(warehouse=str(reference), inbox=str(inbox), reports=str(tmp_path / "reference"))

    warehouse = tmp_path / "killed.duckdb"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TAIZHANG_REPORTS": str(tmp_path / "out")}
    command = [TAIZHANG, "--warehouse", str(warehouse), "ingest", "--inbox", str(inbox)]
    rng = random.Random(20211231)
    started = time.monotonic()
    whole = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)  # how long a run takes
    assert whole.returncode == 0, whole.stderr[-2000:]
    duration = time.monotonic() - started
    warehouse.unlink()
    Path(f"{warehouse}.wal").unlink(missing_ok=True)

    moments, interrupted = [], 0
    for kill in range(KILLS):
        # a third during start-up (imports, Prefect), the rest anywhere in a run
        moment = rng.uniform(0.05, 1.5) if kill % 3 == 0 else rng.uniform(1.5, duration)
        loader = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        time.sleep(moment)
        os.killpg(loader.pid, signal.SIGKILL)  # the loader and anything it started
        loader.wait()
        moments.append(round(moment, 2))
        if warehouse.exists():
            invariants(warehouse)
            interrupted += fingerprint(warehouse) != fingerprint(reference)
    # (no assertion on the moments themselves: they are this test's own random numbers; what can
    # fail is the state after each kill, above, and the end state, below)

    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    invariants(warehouse)
    assert fingerprint(warehouse) == fingerprint(reference), (moments, f"{interrupted} kills left it half-way")
    # the analyst copy, published bit by bit across the killed runs, is what a fresh one would be
    with duckdb.connect(str(warehouse)) as con:
        afresh = publish_analyst_copy(con, tmp_path / "afresh.duckdb")
    assert tables_of(analyst_path(warehouse)) == tables_of(afresh), moments


@pytest.mark.parametrize("server", ["configured", "temporary"])
def test_a_loader_killed_alone_leaves_no_process_behind(prefect, tmp_path, server):
    """Killed by itself (not its process group), the loader's workers and their server end too,
    and so does the temporary Prefect API server a run without PREFECT_API_URL starts."""
    import psutil
    from prefect.settings import PREFECT_API_URL

    inbox = tmp_path / "inbox"
    write_demo_inbox(inbox)
    env = {**os.environ, "TAIZHANG_REPORTS": str(tmp_path / "out")}
    env.pop("PREFECT_API_URL", None)
    if server == "configured":
        env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    else:
        env["PREFECT_HOME"] = str(tmp_path / "prefect")
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        loader = subprocess.Popen([TAIZHANG, "--warehouse", str(tmp_path / "w.duckdb"), "ingest", "--inbox", str(inbox)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=err)

    def command(process: psutil.Process) -> str:
        try:
            return " ".join(process.cmdline())
        except psutil.Error:
            return ""

    deadline = time.monotonic() + 120
    started = []
    while loader.poll() is None and time.monotonic() < deadline:
        started = psutil.Process(loader.pid).children(recursive=True)
        workers = sum("forkserver" in command(p) for p in started) >= 3  # the server and two workers
        if workers and (server == "configured" or any("uvicorn" in command(p) for p in started)):
            break
        time.sleep(0.05)
    assert loader.poll() is None, f"the run ended before its workers could be seen: {log.read_text()[-2000:]}"
    loader.kill()
    loader.wait()
    _, alive = psutil.wait_procs(started, timeout=10)
    assert not alive, [command(p)[:80] for p in alive]


def test_hostile_sheet_names_and_headers_never_change_the_schema(prefect, settings):
    from workbooks import LEDGER_HEADER, write_xlsx

    con = duckdb.connect()
    schema_query = ("select table_schema, table_name, column_name, data_type from information_schema.columns "
                    "order by all")
    hostile = ["x'; drop table raw.files; --", 'a"b; create table pwned(x int)', "line\nbreak", "单位'); delete from raw.files; --"]
    header = [h + "'; drop table raw.activity_rows; --" if i == 11 else h for i, h in enumerate(LEDGER_HEADER)]
    header += ['"; alter table raw.files add column evil int; --', "x\ny'z"]
    sheets = {name.replace("\n", " ")[:31]: [header, [1, "2022-06-08", "研讨交流", "正常的活动", "研究室", None, None, 12,
                                                None, None, None, None, "y", "z"]] for name in hostile}
    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", sheets)
    (settings.inbox / "hostile'; drop table raw.files;--.csv").write_text(
        ",".join(h.replace("\n", " ").replace(",", "，") for h in header) + "\n1,2022-06-09,研讨交流,另一个,研究室,,,9,,,,,,\n",
        encoding="utf-8")
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    fresh = settings.warehouse.with_name("fresh.duckdb")
    from flows.warehouse import open_warehouse

    with open_warehouse(fresh, settings.sql_dir):
        pass
    with duckdb.connect(str(settings.warehouse), read_only=True) as loaded, \
            duckdb.connect(str(fresh), read_only=True) as empty:
        assert loaded.execute(schema_query).fetchall() == empty.execute(schema_query).fetchall()
        names = [r[0] for r in loaded.execute("select sheet from raw.sheets order by 1").fetchall()]
        assert any("drop table" in n for n in names)  # kept as data, verbatim
        assert loaded.execute("select count(*) from raw.activity_rows").fetchone()[0] >= 4
    con.close()


def test_the_analyst_copy_holds_no_full_phone_or_id_numbers(prefect, settings):
    import re

    from workbooks import LEDGER_HEADER, write_xlsx

    write_xlsx(settings.inbox / "机关第一党支部2022年党员发展台账.xlsx", {"党员发展": [
        ["姓名", "支部", "确定日期", "阶段", "联系电话", "备注"],
        ["李明", "一支部", "2022-06-10", "入党积极分子", "13800001234", "身份证号 410102199001011234"],
        ["王芳", "一支部", "2022-06-11", "发展对象", "0370-12345678", "手机 139 0000 5678"]]})
    write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
        LEDGER_HEADER, [1, "2022-06-08", "研讨交流", "研讨交流（第1次）", "研究室", "张三", "主任", 12, None, None,
                        None, "联系人张三 13912345678，身份证 41010219900101123X"]]})
    result = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    with duckdb.connect(str(result.analyst_copy), read_only=True) as analyst:
        text = []
        for schema, table in analyst.execute("select schema_name, table_name from duckdb_tables()").fetchall():
            text += [str(v) for row in analyst.execute(f'select * from "{schema}"."{table}"').fetchall() for v in row]
    everything = "\n".join(text)
    for secret in ("13800001234", "13912345678", "410102199001011234", "41010219900101123X", "12345678", "13900005678"):
        assert secret not in everything.replace(" ", ""), secret
    # a number standing alone (a sha256 file_id may hold eleven digits in a row among its letters)
    alone = r"(?<![0-9A-Za-z])({})(?![0-9A-Za-z])"
    assert not re.search(alone.format(r"1[3-9]\d{9}"), everything)
    assert not re.search(alone.format(r"\d{17}[\dXx]"), everything)
    on_disk = result.analyst_copy.read_bytes()  # not even in the file's free blocks
    for secret in ("13800001234", "13912345678", "410102199001011234", "李明"):
        assert secret.encode() not in on_disk, secret
    with duckdb.connect(str(settings.warehouse), read_only=True) as live:  # the live warehouse keeps them
        assert live.execute("select count(*) from raw.activity_rows where notes like '%13912345678%'").fetchone()[0] == 1
