"""Faults a command meets on a real host end in one sentence (what, where, what to do) and a
non-zero exit, never a traceback, and lose or double nothing: a warehouse path that is a
folder, another kind of file or on a read-only file system, a warehouse another program
holds, a disk that fills up during a load."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))
REGISTER = "组织机构与班子（2022年版）.xlsx"
LEDGER = "机关党支部2022年6月学习台账.xlsx"


@pytest.fixture
def env(prefect, settings, samples):
    from prefect.settings import PREFECT_API_URL

    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TAIZHANG_REPORTS": str(settings.reports_out),
            "TAIZHANG_SETTLE_SECONDS": "0", "TAIZHANG_LOCK_WAIT_SECONDS": "1"}


def taizhang(env, *args, sandbox: str | None = None) -> subprocess.CompletedProcess:
    command = [TAIZHANG, *args]
    if sandbox:  # a shell script run first in a private mount namespace (root: mount a file system)
        command = ["unshare", "-m", "sh", "-c", sandbox + " && exec \"$@\"", "sh", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def one_sentence(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("kind", ["folder", "not duckdb"])
def test_a_warehouse_path_that_cannot_be_a_warehouse_is_one_sentence(env, settings, kind):
    path = settings.warehouse
    if kind == "folder":
        path.mkdir()
    else:
        path.write_text("名称,数量\n")
    for command in (["ingest", "--inbox", str(settings.inbox)], ["metrics", "--start", "2022-01-01", "--end", "2022-12-31"]):
        done = taizhang(env, "--warehouse", str(path), *command)
        sentence = one_sentence(done)
        assert done.stderr.strip() == sentence  # nothing before it
        assert sentence.startswith(f"warehouse {path} is ") and "--warehouse" in sentence
    assert (path.is_dir() and not any(path.iterdir())) or path.read_text() == "名称,数量\n"


def test_a_warehouse_on_a_read_only_file_system_is_one_sentence(env, settings):
    folder = settings.warehouse.parent / "share"
    folder.mkdir()
    warehouse = folder / "taizhang.duckdb"
    done = taizhang(env, "--warehouse", str(warehouse), "ingest", "--inbox", str(settings.inbox),
                    sandbox=f"mount -t tmpfs -o ro tmpfs {folder}")
    sentence = one_sentence(done)
    assert sentence.startswith(f"warehouse {warehouse} cannot be written: {folder} is read-only")


def test_a_warehouse_another_program_holds_is_one_sentence_for_ingest_too(env, settings):
    assert taizhang(env, "--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox)).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(settings.warehouse)!r})  # an analyst's shell on the live file
        print("holding", flush=True)
        time.sleep(60)""")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        shutil.copy(Path(__file__).parents[2] / "shared" / "samples" / LEDGER, settings.inbox / LEDGER)
        done = taizhang(env, "--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox))
        sentence = one_sentence(done)
        assert done.stderr.strip() == sentence
        assert sentence.startswith(f"warehouse {settings.warehouse} is busy") and "try again" in sentence
    finally:
        holder.kill()
        holder.wait()
    done = taizhang(env, "--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox))
    assert done.returncode == 0 and f"loaded     {LEDGER}" in done.stdout


def test_a_disk_that_fills_during_a_load_says_so_and_the_rerun_shows_the_files(env, settings, samples, tmp_path):
    from flows.demo import write_demo_inbox

    disk = tmp_path / "disk"
    disk.mkdir()
    big = tmp_path / "year"
    write_demo_inbox(big)  # a year of ledgers: they fit, the analyst copy of the warehouse then does not
    script = tmp_path / "fill.sh"
    warehouse = disk / "taizhang.duckdb"
    common = ["--warehouse", str(warehouse), "ingest", "--inbox", str(settings.inbox)]
    script.write_text(textwrap.dedent(f"""\
        set -e
        mount -t tmpfs -o size=64m tmpfs {disk}
        {TAIZHANG} {' '.join(common)} > {tmp_path}/first.out 2>&1
        fallocate -l $(( $(df --output=avail -B1 {disk} | tail -1) - 5000000 )) {disk}/filler
        cp -r {big}/. {settings.inbox}/
        {TAIZHANG} {' '.join(common)} > {tmp_path}/full.out 2> {tmp_path}/full.err || echo $? > {tmp_path}/full.rc
        rm {disk}/filler
        {TAIZHANG} {' '.join(common)} > {tmp_path}/again.out 2>&1
        cp {warehouse} {tmp_path}/kept.duckdb
        """))
    done = subprocess.run(["unshare", "-m", "sh", str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stderr + (tmp_path / "again.out").read_text(errors="replace"))[-3000:]
    assert (tmp_path / "full.rc").read_text().strip() == "1"
    last = (tmp_path / "full.err").read_text().strip().splitlines()[-1]
    assert "No space left on device" in last and "free space there and run `taizhang ingest` again" in last
    again = (tmp_path / "again.out").read_text()
    assert "没有新文件" not in again and "loaded     " in again  # the files' results, whichever run loaded them
    with duckdb.connect(str(tmp_path / "kept.duckdb"), read_only=True) as con:  # every file of the inbox, once
        arrived = con.execute("select path from raw.file_arrivals order by path").fetchall()
    assert [p for (p,) in arrived] == sorted(p.relative_to(settings.inbox).as_posix()
                                             for p in settings.inbox.rglob("*") if p.is_file())
