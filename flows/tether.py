"""Tie a helper process's life to another's: `python -m flows.tether PID -m MODULE ARGS…` runs
MODULE as `python -m` would and ends it when process PID ends, even by `kill -9`.

Prefect's temporary API server is started this way (`flows/pipeline.py`), so that it cannot
outlive the command that started it; the worker pool's processes watch their run the same way.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time


def exit_with(pid: int) -> None:
    """Wait until process `pid` has ended (or is a zombie), then end this process."""
    while True:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    break
        except FileNotFoundError:
            break
        except OSError:  # no /proc here: ask the kernel instead
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
        time.sleep(0.5)
    os._exit(1)


def watch(pid: int) -> None:
    """End this process when process `pid` ends (a daemon thread)."""
    threading.Thread(target=exit_with, args=(pid,), name="watch-parent", daemon=True).start()


def tether_temporary_server() -> None:
    """Start Prefect's temporary API server (the one a flow run starts when no PREFECT_API_URL is
    set) through this module, tied to the process that starts it.

    Prefect (3.8.8, pinned) starts it with `python -m uvicorn …` and stops it at exit; a `kill -9`
    of the command left it running under PID 1, holding its port and ≈ 220 MB. The method below
    is Prefect's own `_run_uvicorn_command` with the command prefixed; the rest of the server
    class is untouched.
    """
    import subprocess

    import prefect
    from prefect.server.api import server
    from prefect.settings import get_current_settings

    if getattr(server.SubprocessASGIServer._run_uvicorn_command, "tethered", False):
        return

    def run_uvicorn_command(self) -> subprocess.Popen:
        return subprocess.Popen(
            args=[sys.executable, "-m", "flows.tether", str(os.getpid()),
                  "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                  "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                  "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                 "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)},
        )

    run_uvicorn_command.tethered = True
    server.SubprocessASGIServer._run_uvicorn_command = run_uvicorn_command


def main() -> None:
    pid, flag, module, *args = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: python -m flows.tether PID -m MODULE [ARGS…]")
    watch(int(pid))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
