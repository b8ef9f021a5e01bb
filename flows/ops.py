"""Operations on Prefect's own mechanisms: the schedules, the deployments, and serving them.

- The warehouse's writer limit (one global concurrency slot) is `flows/writer.py`.
- SCHEDULES: the deployments and their cron schedules in Asia/Shanghai. `taizhang serve`
  serves them from one process (starting a local Prefect server when PREFECT_API_URL is not
  set: the scheduler needs one); `prefect.yaml` declares the same for a work pool (a test
  keeps the two in step).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from flows.local_server import healthy
from flows.settings import TIMEZONE
from flows.writer import ensure_warehouse_limit


@dataclass(frozen=True)
class Schedule:
    deployment: str          # deployment name (the flow is named by `flow`)
    flow: str                # 'ingest' | 'report' | 'remind'
    cron: str                # in TIMEZONE
    parameters: dict = field(default_factory=dict)
    description: str = ""


SCHEDULES = (
    Schedule("hourly-ingest", "ingest", "0 8-18 * * 1-5", {}, "每个工作日8—18时整点导入收件箱的新文件"),
    # scheduled reports go to their recipients (a 更正版 waits for a person: report_delivery.py)
    Schedule("weekly-report", "report", "30 8 * * 1", {"kind": "weekly", "send": True}, "每周一8:30生成上周周报并发送"),
    Schedule("monthly-report", "report", "0 9 1 * *", {"kind": "monthly", "send": True}, "每月1日9:00生成上月月报并发送"),
    Schedule("annual-summary", "report", "0 9 5 1 *", {"kind": "annual", "send": True}, "每年1月5日9:00生成上年度总结并发送"),
    Schedule("monthly-reminders", "remind", "0 9 3 * *", {}, "每月3日9:00提醒未报送上月活动台账的单位（催报）"),
)


def deployments() -> list:
    """The scheduled deployments, for `serve`."""
    from prefect.schedules import Cron

    from flows import pipeline

    flows = {"ingest": pipeline.ingest, "report": pipeline.report, "remind": pipeline.remind}
    return [flows[s.flow].to_deployment(s.deployment, schedule=Cron(s.cron, timezone=TIMEZONE),
                                        parameters=s.parameters, description=s.description, tags=["taizhang"])
            for s in SCHEDULES]


@contextmanager
def prefect_server(port: int = 4200, startup_seconds: int = 90) -> Iterator[str]:
    """The API URL of a Prefect server: PREFECT_API_URL if set, else one started here on `port`.

    Schedules need a real server (the temporary one of a single run has no scheduler); the
    server started here keeps its database in PREFECT_HOME, so deployments and schedules
    outlive this process, and stops with it.
    """
    from prefect.settings import PREFECT_API_URL

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    url = f"http://127.0.0.1:{port}/api"
    if healthy(url):
        yield url
        return
    # the UI asks the API at PREFECT_UI_API_URL, by default port 4200 whatever port it is served on
    env = {**os.environ, "PREFECT_UI_API_URL": url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start",
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + startup_seconds
        while not healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"could not start a Prefect server on port {port}; start one with "
                                   "`prefect server start` and set PREFECT_API_URL")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def serve_all(port: int = 4200) -> None:
    """Serve every scheduled deployment from this process until it is stopped.

    Schedules stay active when the process stops (pause_on_shutdown=False): a restart picks
    up where the last one left off.
    """
    from prefect import serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with prefect_server(port) as url, temporary_settings(updates={PREFECT_API_URL: url}):
        print(f"Prefect API: {url} (UI: {url.removesuffix('/api')})", flush=True)
        ensure_warehouse_limit()
        serve(*deployments(), pause_on_shutdown=False)
