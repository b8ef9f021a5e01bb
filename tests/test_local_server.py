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
