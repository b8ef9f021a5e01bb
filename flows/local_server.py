"""Which Prefect API a command runs against, and the shared local one.

A flow run needs a Prefect API. Starting Prefect's temporary server costs a command 6–10 s, most
of what a report costs. So a command uses, in order:

1. `PREFECT_API_URL` (or a profile that sets it), when set;
2. the server of `taizhang serve` on this machine, when it is up (its runs appear in its UI);
3. the shared local server: the first command starts it, later commands reuse it, and it ends
   itself after `TAIZHANG_SHARED_SERVER_IDLE_MINUTES` (10) without a request, the way build
   tools keep a daemon. One per PREFECT_HOME, its database where `taizhang serve` keeps its
   own (so its runs appear there too), API only (no UI, no scheduler: `serve` schedules);
4. with that setting 0, Prefect's temporary server, tied to the command (flows/tether.py). It
   is given as long to answer as the shared one (Prefect's own 20 s is too short for a busy
   host: its database is made anew each time), unless PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
   says otherwise.

Two commands starting at once take a file lock: one starts the server, the other finds it.
A server that was killed or hangs is replaced by the next command.

`python -m flows.local_server --port P --idle SECONDS` is the server process itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flows.settings import Settings
from flows.warehouse import file_lock

STARTUP_SECONDS = 90
_TEMPORARY_TIMED_OUT = "Timed out while attempting to connect to ephemeral Prefect API server"


class PrefectUnavailable(RuntimeError):
    """No Prefect API could be started for the command's flow run."""


def healthy(url: str, timeout: float = 2) -> bool:
    """Whether a Prefect API answers at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def serve_url(port: int) -> str | None:
    """The API URL of the Prefect server `taizhang serve` runs on this machine, when it is up."""
    url = f"http://127.0.0.1:{port}/api"
    return url if healthy(url, timeout=0.5) else None


def _home() -> Path:
    from prefect.settings import PREFECT_HOME

    return Path(PREFECT_HOME.value())


def _state_file() -> Path:
    return _home() / "taizhang-api.json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_server(idle_seconds: float) -> str:
    """The URL of the shared local server, started when none answers."""
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / "taizhang-api.lock", STARTUP_SECONDS):
        state = _read_state()
        if state and healthy(state["url"], timeout=1):
            return state["url"]
        if state:  # killed, or alive and not answering: replace it
            try:
                os.kill(state["pid"], signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        with open(home / "taizhang-api.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flows.local_server", "--port", str(port), "--idle", str(idle_seconds)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
        deadline = time.monotonic() + STARTUP_SECONDS
        while not healthy(url, timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise PrefectUnavailable(
                    f"the shared local Prefect server did not start within {STARTUP_SECONDS} s (its log: "
                    f"{home / 'taizhang-api.log'}): set TAIZHANG_SHARED_SERVER_IDLE_MINUTES=0 to let each command "
                    "start its own, or PREFECT_API_URL to a running Prefect server")
            time.sleep(0.1)
        _state_file().write_text(json.dumps({"url": url, "pid": process.pid}), encoding="utf-8")
        return url


def _read_state() -> dict | None:
    try:
        return json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def prefect_api(settings: Settings) -> Iterator[str | None]:
    """Run what is inside against the API chosen above; yields its URL (None: a temporary server)."""
    from prefect.settings import (PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings)

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    updates = {}
    url = serve_url(settings.serve_port)
    if url is None and settings.shared_server_idle_minutes > 0:
        url = shared_server(settings.shared_server_idle_minutes * 60)
        # run heartbeats are for a server's services to notice a run that died; the shared
        # server runs none, and a heartbeat costs each run up to a second at its end
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    if url:
        updates[PREFECT_API_URL] = url
    elif "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" not in os.environ:
        updates[PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS] = STARTUP_SECONDS
    try:
        with temporary_settings(updates=updates):
            waited = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
            yield url
    except RuntimeError as error:
        if url or not str(error).startswith(_TEMPORARY_TIMED_OUT):
            raise
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().stop()  # now, not at exit: the sentence below is the command's last line
        raise PrefectUnavailable(
            f"Prefect's temporary API server did not answer within {waited:.0f} s, so no flow run could start: "
            "run `taizhang serve` (or set PREFECT_API_URL to a running Prefect server), or allow it longer with "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") from None
    finally:
        _send_pending_events()


def _send_pending_events() -> None:
    """Send the runs' last events now, so that the command's own last line is its last: Prefect
    sends them at exit and logs "Still processing items" after it."""
    import logging

    from prefect.events.worker import EventsWorker

    quiet = logging.getLogger("EventsWorker")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        EventsWorker.drain_all(timeout=10, at_exit=False)
    finally:
        quiet.setLevel(level)


class _IdleWatch:
    """ASGI middleware that notes when the last request or connection ended."""

    def __init__(self, app):
        self.app, self.open, self.last = app, 0, time.monotonic()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        self.open += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        return 0.0 if self.open else time.monotonic() - self.last


def main() -> None:
    parser = argparse.ArgumentParser(description="the shared local Prefect API server of taizhang")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle", type=float, required=True, help="seconds without a request before it ends")
    args = parser.parse_args()
    os.environ.update({"PREFECT__SERVER_EPHEMERAL": "1", "PREFECT_UI_ENABLED": "0"})  # API only, no services
    import uvicorn
    from prefect.server.api.server import create_app

    watch = _IdleWatch(create_app(ephemeral=True, final=True))
    server = uvicorn.Server(uvicorn.Config(watch, host="127.0.0.1", port=args.port, log_level="error",
                                           lifespan="on"))

    def end_when_idle() -> None:
        while not server.started:  # idle time counts from when it answers
            time.sleep(0.1)
        watch.last = time.monotonic()
        while watch.idle_for() < args.idle:
            time.sleep(min(5.0, args.idle / 4))
        server.should_exit = True

    threading.Thread(target=end_when_idle, daemon=True).start()
    server.run()
    state = _read_state()
    if state and state.get("pid") == os.getpid():
        _state_file().unlink(missing_ok=True)


if __name__ == "__main__":
    main()
