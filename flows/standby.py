"""The `taizhang` command's entry, and the standby process commands fork from.

Before a command does anything it imports Prefect (≈ 1.2 s), pandas, DuckDB and, for an ingest,
Great Expectations: more than a report itself takes. So the first command of a session runs as
always and starts the standby in the background: a process that has imported all of that and
waits. Later commands hand it their arguments, working folder, environment and terminal
(stdin, stdout, stderr, passed as file descriptors over a local socket); it forks, and the
forked process runs the command with everything already imported and exits with its status,
which the caller exits with. The way build tools keep a daemon. It ends itself after
`TAIZHANG_STANDBY_MINUTES` (10) without a command; 0: every command imports for itself.

What keeps this correct:

- A standby serves only commands identical to the one that started it: the same Python, code
  (the package's files), installed packages, environment (but the working folder), user and
  limits. Its address (an abstract Unix socket, nothing on disk) is a hash of all that; a
  command that differs in any of them finds nothing there and starts its own. Prefect's
  settings are read again in the forked process (they depend on the working folder).
- Only the same user can connect (the kernel's peer credentials), so nobody else can run a
  command as its user.
- Two commands starting at once may both start one: only one can bind the address, the
  other ends at once. A standby killed at any moment costs the next command its imports only:
  it finds nothing and runs itself; a command whose standby dies under it reports so.
- Ctrl-C and termination reach the command as they would; a caller that goes away (killed)
  takes its command with it, as the temporary Prefect server is tied to its command.
- `taizhang serve` runs in its own process: it is a service, not an everyday command.

`python -P -m flows.standby --address NAME --idle SECONDS` is the standby itself (its log:
`$PREFECT_HOME/taizhang-standby.log`).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path

# what may differ between a command and the standby it forks from (set again in the fork; no
# module reads them when imported): the folder, the shell's and make's bookkeeping, the session
VOLATILE = {"PWD", "OLDPWD", "SHLVL", "_", "PYTEST_CURRENT_TEST", "MAKEFLAGS", "MAKELEVEL", "MFLAGS",
            "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "XDG_SESSION_ID", "WINDOWID", "TMUX_PANE", "STY"}
# what a command imports, at once or as it goes: a report, an ingest (Great Expectations), a chart
WARM = ("flows.cli", "flows.pipeline", "flows.validate", "great_expectations", "flows.report.document", "docx",
        "matplotlib.pyplot")
LIMITS = ("RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CPU",
          "RLIMIT_CORE", "RLIMIT_MEMLOCK")


def run() -> None:
    """The `taizhang` command: through the standby when one is up for it, else here (and start one)."""
    minutes = _idle_minutes()
    if minutes and "serve" not in sys.argv[1:]:
        address = _address()
        code = _through(address)
        if code is not None:
            sys.exit(code)
        _start(address, minutes)
    from flows.cli import run as run_here

    run_here()


def _idle_minutes() -> float:
    """TAIZHANG_STANDBY_MINUTES; settings that cannot be read are the command's to report (0 here)."""
    from flows.settings import Settings

    try:
        return Settings.load().standby_minutes
    except (ValueError, OSError):
        return 0.0


def _address() -> str:
    """The standby's address: a hash of everything a forked command must share with the caller."""
    import resource
    import sysconfig

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\0".encode())
    for folder in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):  # one order in every process
        digest.update(f"{folder}\0{os.stat(folder).st_mtime_ns}\0".encode())
    umask = os.umask(0o022)
    os.umask(umask)
    digest.update(json.dumps([sys.executable, sys.path, str(sys.flags), umask, os.getuid(), os.getgid(),
                              sorted((k, v) for k, v in os.environ.items() if k not in VOLATILE),
                              [resource.getrlimit(getattr(resource, name)) for name in LIMITS]]).encode())
    return f"taizhang-standby-{os.getuid()}-{digest.hexdigest()[:32]}"


def _log_path() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser() / "taizhang-standby.log"


def _start(address: str, minutes: float) -> None:
    """Start a standby in the background for the commands after this one."""
    import subprocess

    try:
        log_path = _log_path()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            subprocess.Popen([sys.executable, "-P", "-m", "flows.standby", "--address", address,
                              "--idle", str(minutes * 60)],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", start_new_session=True)
    except OSError:
        pass  # no standby: later commands import for themselves, as this one does


# --- the caller's side ---------------------------------------------------------------------------

def _through(address: str) -> int | None:
    """Run this command in a process forked from the standby; its exit status, or None when no
    standby answered (nothing has run)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(f"\0{address}")
        if _peer_uid(connection) != os.getuid():
            raise OSError("another user's process holds the address")
        request = json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        with _terminal() as fds:
            socket.send_fds(connection, [struct.pack("!I", len(request))], fds)
        connection.sendall(request)
    except OSError:
        connection.close()
        return None
    pid = None
    try:
        with connection, connection.makefile("rb") as replies:
            for line in replies:
                reply = json.loads(line)
                if "pid" in reply:
                    pid = reply["pid"]
                    _pass_signals_to(pid)
                elif "exit" in reply:
                    return reply["exit"]
                elif "signal" in reply:  # end as the command did, so that a shell or script sees it
                    signal.signal(reply["signal"], signal.SIG_DFL)
                    os.kill(os.getpid(), reply["signal"])
                    return 128 + reply["signal"]
    except OSError:  # a standby killed as it answered
        pass
    if pid is None:
        return None  # the standby ended before it forked: nothing ran
    print(f"taizhang: the standby process that ran this command (pid {pid}) ended before the command did; "
          "run the command again (TAIZHANG_STANDBY_MINUTES=0 runs it without a standby)", file=sys.stderr)
    return 1


class _terminal:
    """Descriptors 0, 1 and 2 to pass on (/dev/null for one that is closed)."""

    def __enter__(self) -> list[int]:
        self.opened = []
        fds = []
        for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
            try:
                os.fstat(fd)
                fds.append(fd)
            except OSError:
                self.opened.append(os.open(os.devnull, mode))
                fds.append(self.opened[-1])
        return fds

    def __exit__(self, *exc) -> None:
        for fd in self.opened:
            os.close(fd)


def _pass_signals_to(pid: int) -> None:
    """Ctrl-C (the terminal's, to the whole group) and termination reach the command and its workers."""
    def to_group(signum, frame):
        _quietly(os.killpg, pid, signum)

    def to_command(signum, frame):
        _quietly(os.kill, pid, signum)

    signal.signal(signal.SIGINT, to_group)
    signal.signal(signal.SIGQUIT, to_group)
    signal.signal(signal.SIGTERM, to_command)
    signal.signal(signal.SIGHUP, to_command)


def _quietly(kill, pid: int, signum: int) -> None:
    try:
        kill(pid, signum)
    except OSError:
        pass


# --- the standby's side --------------------------------------------------------------------------

def _warm() -> None:
    """Import what commands need, without starting anything (no thread may exist when we fork)."""
    import importlib

    from flows.workers import start

    for name in WARM:
        importlib.import_module(name)
    start()  # the server ingest workers fork from (its own process): commands share it


def serve(address: str, idle_seconds: float) -> None:
    """Wait for commands at `address`; fork each; end after `idle_seconds` with none running."""
    import gc
    import select
    import threading
    import time

    # one standby per address: while one imports, it holds a second address, so that commands
    # started meanwhile import for themselves rather than wait or start another
    warming = _bound(f"{address}-warming")
    if warming is None or _answers(address):
        return
    _warm()
    if threading.active_count() != 1:
        print(f"standby: importing started threads {threading.enumerate()}; forking is unsafe, ending", flush=True)
        return
    settings_sources = _settings_sources()
    listener = _bound(address)
    warming.close()
    if listener is None:
        return
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    gc.freeze()  # the forks share these pages; a collection would write to them all
    running: dict[int, socket.socket] = {}  # command's pid: its caller
    abandoned: set[int] = set()  # commands whose caller went away
    idle_since = time.monotonic()
    print(f"standby {os.getpid()} ready", flush=True)
    while running or time.monotonic() - idle_since < idle_seconds:
        watched = [c for pid, c in running.items() if pid not in abandoned]
        timeout = None if running else max(0.0, idle_since + idle_seconds - time.monotonic())
        ready, _, _ = select.select([listener, wake_r, *watched], [], [], timeout)
        if wake_r in ready:
            _drain(wake_r)
        for pid, caller in running.items():
            if caller in ready:  # its caller went away (killed): so does the command
                abandoned.add(pid)
                _quietly(os.killpg, pid, signal.SIGTERM)
        if listener in ready and (accepted := _accept(listener)):
            caller, request, fds = accepted
            pid = os.fork()
            if pid == 0:
                _command(caller, request, fds, [listener, *running.values()], [wake_r, wake_w],  # never returns
                         settings_sources)
            _quietly(os.setpgid, pid, pid)  # here too: the caller may signal its group at once
            for fd in fds:
                os.close(fd)
            running[pid] = caller
            _send(caller, {"pid": pid})
            print(f"standby: {' '.join(request['argv'][1:])} (in {request['cwd']}) runs as {pid}", flush=True)
        _reap(running, abandoned)
        if running:
            idle_since = time.monotonic()


def _bound(address: str) -> socket.socket | None:
    """A socket listening at `address`, or None when another process holds it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(address)
    except OSError:
        listener.close()
        return None
    listener.listen(16)
    return listener


def _answers(address: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(address) == 0


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _accept(listener: socket.socket) -> tuple[socket.socket, dict, list[int]] | None:
    """A caller's request and its descriptors, when it comes from this user."""
    caller, _ = listener.accept()
    try:
        if _peer_uid(caller) != os.getuid():
            raise OSError(f"a caller of user {_peer_uid(caller)}")
        caller.settimeout(10)
        header, fds, _, _ = socket.recv_fds(caller, 4, 3)
        if len(header) != 4 or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            raise OSError("an incomplete request")
        size, = struct.unpack("!I", header)
        body = b""
        while len(body) < size:
            chunk = caller.recv(size - len(body))
            if not chunk:
                raise OSError("a request cut short")
            body += chunk
        caller.settimeout(None)
        return caller, json.loads(body), fds
    except (OSError, ValueError) as error:
        print(f"standby: refused {error}", flush=True)
        caller.close()
        return None


def _peer_uid(connection: socket.socket) -> int:
    return struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1]


def _send(connection: socket.socket, reply: dict) -> None:
    try:
        connection.sendall(json.dumps(reply).encode() + b"\n")
    except OSError:
        pass  # the caller is gone


def _reap(running: dict[int, socket.socket], abandoned: set[int]) -> None:
    """Commands that ended: their callers have their status."""
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        abandoned.discard(pid)
        caller = running.pop(pid, None)
        if caller is not None:
            code = os.waitstatus_to_exitcode(status)
            _send(caller, {"exit": code} if code >= 0 else {"signal": -code})
            caller.close()


def _command(caller: socket.socket, request: dict, fds: list[int], standby: list[socket.socket],
             standby_fds: list[int], settings_sources: list) -> None:
    """In the forked process: become the caller's command, run it, and end as a Python process
    does, but for C++ destructors (see `_end`), telling the caller its status (the standby tells
    it when the command was killed: it cannot)."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for connection in standby:
        connection.close()
    for fd in standby_fds:
        os.close(fd)
    os.setpgid(0, 0)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=stream is sys.stderr or stream.isatty())
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    _read_settings_again(settings_sources)
    from flows.cli import run as run_here

    code = 1
    try:
        run_here()
        code = 0
    except SystemExit as end:
        code = _exit_code(end)
    except BaseException:  # noqa: BLE001 - the fork must never return into the standby's loop
        import traceback

        traceback.print_exc()
    finally:
        _end(code, caller)


def _exit_code(end: SystemExit) -> int:
    if end.code is None or isinstance(end.code, int):
        return end.code or 0
    print(end.code, file=sys.stderr)
    return 1


def _end(code: int, caller: socket.socket) -> None:
    """What an interpreter's exit does (join threads and executors, run exit handlers, flush),
    then `os._exit`. Not the C library's exit: DuckDB starts a thread when imported, which a
    fork does not inherit; destroying its C++ handle at exit would abort the process."""
    import atexit
    import threading

    try:
        threading._shutdown()  # noqa: SLF001 - the interpreter's own first step at exit
        atexit._run_exitfuncs()  # noqa: SLF001 - its second (Prefect's, the workers')
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:
                pass
        _send(caller, {"exit": code})
    finally:
        os._exit(code)


def _settings_sources() -> list:
    """What Prefect reads its settings from besides the environment: the profiles file, and
    `.env`, `prefect.toml` and `pyproject.toml` in the working folder (as found: size, time)."""
    from prefect.settings import PREFECT_PROFILES_PATH

    found = []
    for path in (Path(".env"), Path("prefect.toml"), Path("pyproject.toml"), Path(PREFECT_PROFILES_PATH.value())):
        try:
            stat = path.stat()
            found.append((path.name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            found.append((path.name, None, None))
    return found


def _read_settings_again(read_at_start: list) -> None:
    """Prefect read its settings and set up its logging when the standby imported it, in the
    standby's folder and for its log file: when the caller's folder or profiles differ, read
    them again as the caller would; for a terminal, set up logging again (its colours)."""
    import prefect.context
    from prefect.logging.configuration import setup_logging

    changed = _settings_sources() != read_at_start
    if changed:
        prefect.context.refresh_global_settings_context()
    if changed or sys.stderr.isatty():
        setup_logging(incremental=False)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="The standby process `taizhang` commands fork from.")
    parser.add_argument("--address", required=True, help="the address its callers look for it at")
    parser.add_argument("--idle", type=float, default=600, help="seconds without a command before it ends")
    args = parser.parse_args()
    serve(f"\0{args.address}", args.idle)


if __name__ == "__main__":
    main()
