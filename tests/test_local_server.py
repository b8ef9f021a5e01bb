"""The shared local Prefect server commands use by default (flows/local_server.py): two commands
starting at once share one; a killed one is replaced by the next command; it ends itself
when idle; the runs of all of them are in its database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

from processes import running

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))


def command(home: Path, warehouse: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), TAIZHANG_SHARED_SERVER_IDLE_MINUTES="0.1", TAIZHANG_SERVE_PORT="1")
    return subprocess.Popen([TAIZHANG, "--warehouse", str(warehouse), "report", "annual", "--year", "2021"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> str:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 2, err[-2000:]
    return err


def servers(home: Path) -> list[int]:
    """The shared servers of this Prefect home that are running."""
    return running("flows.local_server", home)


def runs(url: str) -> list[str]:
    request = urllib.request.Request(f"{url}/flow_runs/filter", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return sorted(run["name"] for run in json.loads(response.read()))


def test_commands_share_one_server_a_killed_one_is_replaced_and_it_ends_when_idle(tmp_path):
    home, missing = tmp_path / "prefect", tmp_path / "none.duckdb"
    first, second = command(home, missing), command(home, missing)  # at once
    for err in (finished(first), finished(second)):
        assert err.strip().splitlines()[-1].startswith(f"warehouse {missing} does not exist yet")
    state = json.loads((home / "taizhang-api.json").read_text())
    assert servers(home) == [state["pid"]]  # one server for both
    assert runs(state["url"]) == ["report-annual-2021", "report-annual-2021"]  # both runs in it

    os.kill(state["pid"], signal.SIGKILL)
    finished(command(home, missing))  # the next command replaces it; its database kept the runs
    replaced = json.loads((home / "taizhang-api.json").read_text())
    assert replaced["pid"] != state["pid"] and servers(home) == [replaced["pid"]]
    assert runs(replaced["url"]) == ["report-annual-2021"] * 3

    deadline = time.monotonic() + 120  # idle for 0.1 minutes: it ends, and says so by its state file
    while servers(home) and time.monotonic() < deadline:
        time.sleep(1)
    assert servers(home) == [] and not (home / "taizhang-api.json").exists()


def test_a_temporary_server_that_does_not_answer_in_time_ends_the_command_in_one_sentence(tmp_path):
    """With the shared server turned off each command starts Prefect's temporary server. One that
    does not answer in time (a busy host) ends the command with what to do, not a traceback."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), TAIZHANG_SHARED_SERVER_IDLE_MINUTES="0", TAIZHANG_SERVE_PORT="1",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")  # Prefect's server needs several
    done = subprocess.run([TAIZHANG, "--warehouse", str(tmp_path / "w.duckdb"), "report", "annual", "--year", "2021"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Prefect's temporary API server did not answer within 1 s"), last
    assert "PREFECT_API_URL" in last and "taizhang serve" in last


def test_the_temporary_server_is_given_as_long_as_the_shared_one(tmp_path, monkeypatch):
    """Prefect gives its temporary server 20 s to answer; making its database anew on a busy host
    (workers starting beside it) can take longer, so a command gives it STARTUP_SECONDS."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    from flows.local_server import STARTUP_SECONDS, prefect_api
    from flows.settings import Settings

    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    settings = replace(Settings.load().under(tmp_path), shared_server_idle_minutes=0, serve_port=1)
    with temporary_settings(updates={PREFECT_API_URL: None}):
        with prefect_api(settings) as url:
            assert url is None
            assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == STARTUP_SECONDS
