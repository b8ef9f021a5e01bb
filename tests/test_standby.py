"""The standby commands fork from (flows/standby.py): a command forked from it answers as the
command alone would (output, status, working folder, relative paths, its workers); one standby
for commands started at once; a killed standby is replaced; a command with another environment
is not served by it; Ctrl-C and a killed caller reach the command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from processes import running

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))
REGISTER = "组织机构与班子（2022年版）.xlsx"
LEDGERS = ["机关党支部2022年6月学习台账.xlsx", "二支部2022年第1季度活动台账.csv"]


@pytest.fixture
def env(prefect, tmp_path):
    from prefect.settings import PREFECT_API_URL

    home = tmp_path / "prefect"
    yield {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(home),
           "TAIZHANG_STANDBY_MINUTES": "2", "TAIZHANG_SETTLE_SECONDS": "0", "TAIZHANG_LOCK_WAIT_SECONDS": "60",
           "TAIZHANG_REPORTS": "reports"}
    for pid in standbys(home):
        os.kill(pid, signal.SIGKILL)


def taizhang(env: dict, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TAIZHANG, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=300)


def standbys(home: Path) -> list[int]:
    """The standbys of this Prefect home that are running (serving or importing)."""
    return running("flows.standby", home)


def log(env: dict) -> str:
    path = Path(env["PREFECT_HOME"]) / "taizhang-standby.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def ready(env: dict, count: int = 1) -> None:
    """Wait until `count` standbys have said they are ready, and only one runs."""
    deadline = time.monotonic() + 120
    while (log(env).count(" ready\n") < count or len(standbys(Path(env["PREFECT_HOME"]))) != 1) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert log(env).count(" ready\n") == count and len(standbys(Path(env["PREFECT_HOME"]))) == 1, log(env)


def forked(env: dict) -> int:
    """How many commands the standby has run."""
    return log(env).count(" runs as ")


def rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.activity_rows").fetchone()[0]


def test_a_command_forked_from_the_standby_answers_as_it_would_alone(env, tmp_path, samples):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in (REGISTER, LEDGERS[0]):
        shutil.copy(samples / name, inbox / name)
    ingest = ("--warehouse", "taizhang.duckdb", "--inbox", "inbox", "ingest")  # relative to the caller's folder

    first = taizhang(env, tmp_path, *ingest)  # no standby yet: it runs itself and starts one
    assert first.returncode == 0, first.stderr[-3000:]
    ready(env)
    assert forked(env) == 0
    shutil.copy(samples / LEDGERS[1], inbox / LEDGERS[1])
    second = taizhang(env, tmp_path, *ingest)
    assert second.returncode == 0, second.stderr[-3000:]
    assert forked(env) == 1 and f"(in {tmp_path}) runs as" in log(env)
    assert f"loaded     {LEDGERS[1]}" in second.stdout  # read by a worker in the caller's folder
    assert "reports/problems.csv" in second.stdout and (tmp_path / "reports" / "problems.csv").exists()
    before = rows(tmp_path / "taizhang.duckdb")

    alone = {**env, "TAIZHANG_STANDBY_MINUTES": "0"}
    for args in [("--warehouse", "taizhang.duckdb", "metrics", "--start", "2022-01-01", "--end", "2022-12-31"),
                 ("--warehouse", "taizhang.duckdb", "report", "annual", "--year", "twenty"),
                 ("--warehouse", "missing.duckdb", "problems")]:
        count = forked(env)
        through, itself = taizhang(env, tmp_path, *args), taizhang(alone, tmp_path, *args)
        assert forked(env) == count + 1
        assert (through.returncode, through.stdout, through.stderr) == (itself.returncode, itself.stdout,
                                                                        itself.stderr)
    assert through.returncode == 2 and through.stderr.startswith(f"warehouse {tmp_path}/missing.duckdb does not exist")

    other = {**env, "TAIZHANG_ORG_NAME": "YY市社科联"}  # another environment: not this standby's command
    count = forked(env)
    done = taizhang(other, tmp_path, "--warehouse", "taizhang.duckdb", "metrics", "--start", "2022-01-01",
                    "--end", "2022-12-31")
    assert done.returncode == 0 and forked(env) == count
    assert rows(tmp_path / "taizhang.duckdb") == before


def test_commands_started_at_once_leave_one_standby_and_a_killed_one_is_replaced(env, tmp_path):
    args = ("--warehouse", "missing.duckdb", "problems")
    from_make = {**env, "MAKELEVEL": "1", "MAKEFLAGS": "", "MFLAGS": ""}  # as `make demo` starts it
    started = [subprocess.Popen([TAIZHANG, *args], env=from_make, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for process in started:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 2 and err.startswith(f"warehouse {tmp_path}/missing.duckdb does not exist"), err
    ready(env)
    [pid] = standbys(Path(env["PREFECT_HOME"]))

    count = forked(env)
    assert taizhang(env, tmp_path, *args).returncode == 2 and forked(env) == count + 1  # from a shell: served

    os.kill(pid, signal.SIGKILL)
    done = taizhang(env, tmp_path, *args)  # runs itself, and starts the next one
    assert done.returncode == 2 and done.stderr.startswith(f"warehouse {tmp_path}/missing.duckdb does not exist")
    ready(env, count=2)
    assert standbys(Path(env["PREFECT_HOME"])) != [pid]
    count = forked(env)
    assert taizhang(env, tmp_path, *args).returncode == 2 and forked(env) == count + 1


@pytest.mark.parametrize("how", ["ctrl-c", "caller killed"])
def test_ctrl_c_and_a_killed_caller_reach_the_command(env, tmp_path, samples, how):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(samples / REGISTER, inbox / REGISTER)
    ingest = [TAIZHANG, "--warehouse", "taizhang.duckdb", "--inbox", "inbox", "ingest"]
    assert taizhang(env, tmp_path, *ingest[1:]).returncode == 0
    ready(env)
    with duckdb.connect(str(tmp_path / "taizhang.duckdb")):  # another program holds the warehouse: the ingest waits
        caller = subprocess.Popen(ingest, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        deadline = time.monotonic() + 60
        while forked(env) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        command = int(log(env).rsplit(" runs as ", 1)[1].split()[0])
        assert Path(f"/proc/{command}").exists()
        if how == "ctrl-c":
            caller.send_signal(signal.SIGINT)
            _, err = caller.communicate(timeout=60)
            assert caller.returncode == 130, err
            assert err.strip().splitlines()[-1] == "taizhang --warehouse taizhang.duckdb --inbox inbox ingest: " \
                                                   "interrupted (Ctrl-C)"
        else:
            caller.kill()
            caller.wait(timeout=60)  # not its output: the command it ran holds that until it ends
        deadline = time.monotonic() + 15  # well before its wait for the warehouse (60 s) would end it
        while Path(f"/proc/{command}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{command}").exists()  # the command forked for it ended with it


def test_every_process_of_one_command_looks_for_the_standby_at_one_address(tmp_path):
    """Hosts where packages live in two folders (lib and lib64): each process must still hash them
    in one order, or half the commands would miss the standby and start another."""
    code = ("import sysconfig; paths = sysconfig.get_paths(); "
            f"sysconfig.get_paths = lambda: {{**paths, 'platlib': {str(tmp_path)!r}}}; "
            "from flows.standby import _address; print(_address())")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}  # each process its own string hashes
    seen = {subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout for _ in range(6)}
    assert len(seen) == 1, seen
