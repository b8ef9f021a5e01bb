"""Extraction and validation in worker processes: parallel across files, and isolated from the run.

Parsers are native code (calamine, lxml); one hostile file could crash or exhaust the
process that reads it. Here files are read in worker processes with a memory cap, so a
crash costs that worker, not the run. When a worker dies, the files it may have been
reading are read again one at a time in fresh workers: the one that kills its worker
again is refused, the others are read normally.

A batch is split into one part per worker; each worker reads its part and validates it
at once (every rule compares a row with its own submission), so the run's own process
only loads. Workers are forked from a server process that has imported the readers and
Great Expectations and built the suites' checkpoints once (`flows/preload.py`; `start`, called
as a run begins, while Prefect starts): no worker pays for those, and the run's process never
imports Great Expectations.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.extract import FileRead, concat, extract_file, to_frame
from flows.inbox import sha256_of
from flows.contracts import Contract
from flows.settings import Settings
from flows.tether import watch
from flows.validate import Checks, concat_problems, refusal_problems, render_docs, validate_files, validate_records

WORKERS = Settings.load().workers  # TAIZHANG_WORKERS
# imported once by the server the workers are forked from: the readers, Great Expectations, the checkpoints
PRELOAD = ["flows.preload"]
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(PRELOAD)


def start() -> None:
    """Start the server workers are forked from (it imports PRELOAD, ≈ 3 s), without waiting for
    it; in a command forked from the standby (flows/standby.py), use the standby's, while it lives."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # noqa: SLF001 - the stdlib keeps no other handle
    inherited = server._forkserver_pid  # noqa: SLF001
    if inherited is not None and not _is_child(inherited) and "ensure_running" not in vars(server):
        server.ensure_running = lambda: _ensure_inherited_running(server, inherited)
    server.ensure_running()


def _ensure_inherited_running(server, pid: int) -> None:
    """The stdlib's check that the server lives (waitpid) is its parent's alone: a forked
    command asks the kernel instead, and starts a server of its own when that one has gone."""
    from multiprocessing import resource_tracker

    with server._lock:  # noqa: SLF001
        resource_tracker.ensure_running()
        if server._forkserver_pid == pid and Path(f"/proc/{pid}").exists():  # noqa: SLF001
            return
        if server._forkserver_pid == pid:  # noqa: SLF001 - gone: forget it, as the stdlib does
            os.close(server._forkserver_alive_fd)  # noqa: SLF001
            server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None  # noqa: SLF001
    type(server).ensure_running(server)


def _is_child(pid: int) -> bool:
    """Whether `pid` is a child of this process (its parent's id is ours)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid()


def address_space_limit() -> int | None:
    """The address-space limit this process inherited (`ulimit -v`), in bytes, or None."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def _start_worker(cap: int, run: int, folder: str) -> None:
    """In a new worker: the run's working folder (the server's may differ), a memory cap, so that
    a runaway allocation fails there with MemoryError instead of exhausting the machine, and a
    watch on the run's process (`run`), so that the worker ends when the run does, even when it
    was killed (its parent is the server, not the run).

    The cap only ever lowers the limit the host set (`ulimit -v`, `prlimit --as`): a process
    cannot raise its limit above the inherited one, and must not try."""
    import resource

    os.chdir(folder)
    inherited = address_space_limit()
    if cap > 0 and (inherited is None or cap < inherited):
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    watch(run)


class _Pool:
    """One pool of forked workers, kept for the whole process and replaced when broken. Steps
    running at once in the run's threads (the data docs, the error receipts) share it."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None
        self.lock = threading.Lock()

    def get(self, workers: int) -> ProcessPoolExecutor:
        with self.lock:
            if self.executor is None or self.executor._max_workers != workers:  # noqa: SLF001
                self.close()
                cap = Settings.load().worker_memory_mb * 2**20  # address space per worker
                self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=_CONTEXT, initializer=_start_worker,
                                                    initargs=(cap, os.getpid(), os.getcwd()))
            return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None


def _end() -> None:
    """At exit: the pool closed and the server its workers are forked from killed at once. Left
    alone, the server notices our end and only then tears its interpreter down (Great
    Expectations, pandas: ≈ 1 s), holding our stdout and stderr open all the while, so that
    whoever reads our output (a script, cron, `$(taizhang …)`) waited that long for the end of it.
    It holds nothing to save; the workers end with their run (`_start_worker`). A server this
    process did not start (the standby's) is left to serve the next command."""
    from multiprocessing import forkserver

    _POOL.close()
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001 - the stdlib keeps no other handle
    if server and _is_child(server):
        try:
            os.kill(server, signal.SIGKILL)
        except ProcessLookupError:
            pass


_POOL = _Pool()
atexit.register(_end)


@dataclass
class BatchRead:
    """A batch of files as read and validated by the workers."""

    reads: list[FileRead]
    problems: pd.DataFrame                          # refusals and broken rules, PROBLEM_COLUMNS
    results: list[bytes] = field(default_factory=list)  # Great Expectations' results, pickled, for the data docs

    def __getstate__(self) -> dict:
        """Pickled (from a worker to the run) with the files' records packed: the tables of the
        same columns as one table, each file's rows a range of it. A table pickles with a fixed
        cost of ≈ 1 ms, so a thousand small files' tables cost more to send than their rows."""
        groups: dict[pa.Schema, list[tuple[int, str, pa.Table]]] = {}
        for number, read in enumerate(self.reads):
            for name, table in read.tables.items():
                groups.setdefault(table.schema, []).append((number, name, table))
        packed = [(concat([table for _, _, table in members]), [(number, name, table.num_rows)
                                                                  for number, name, table in members])
                  for members in groups.values()]
        return {"reads": [replace(read, tables={}) for read in self.reads], "packed": packed,
                "problems": self.problems, "results": self.results}

    def __setstate__(self, state: dict) -> None:
        """Each file's records again, as zero-copy slices of the packed tables."""
        reads = state["reads"]
        for table, members in state["packed"]:
            offset = 0
            for number, name, rows in members:
                reads[number].tables[name] = table.slice(offset, rows)
                offset += rows
        self.reads, self.problems, self.results = reads, state["problems"], state["results"]


def _read_part(paths: list[Path], reader, checks: Checks | None) -> BatchRead:
    """In a worker: read some files and, with `checks`, validate them together."""
    reads = [reader(path) for path in paths]
    if checks is None:
        return BatchRead(reads, refusal_problems(reads))
    problems, results = validate_files(reads, checks)
    # kept as bytes: unpickling them would import Great Expectations into the run's process
    return BatchRead(reads, problems, [pickle.dumps(results)] if results else [])


def _refused(path: Path) -> BatchRead:
    """A file that crashed its worker (or exhausted its memory) twice: refused, as a problem too."""
    stat = path.stat()
    read = FileRead(path=path, file_id=sha256_of(path), size_bytes=stat.st_size,
                    modified_at=datetime.fromtimestamp(stat.st_mtime),
                    refusal="读取时解析程序异常退出（文件结构异常或过大），已拒收；请检查文件后重新保存提交",
                    refusal_kind="parser_crash")
    return BatchRead([read], refusal_problems([read]))


def _run(parts: list[list[Path]], workers: int, reader, checks: Checks | None) -> tuple[list[BatchRead], list[Path]]:
    """Read parts in the pool; returns what was read and the files of parts lost to a dead worker."""
    done: list[BatchRead] = []
    lost: list[Path] = []
    pool = _POOL.get(workers)
    futures = {pool.submit(_read_part, part, reader, checks): part for part in parts}
    for future in as_completed(futures):
        try:
            done.append(future.result())
        except BrokenProcessPool:
            lost += futures[future]
        except MemoryError:
            if len(futures[future]) > 1:
                lost += futures[future]
            else:
                done.append(_refused(futures[future][0]))
    if lost:
        _POOL.close()
    return done, lost


class WorkersUnavailable(RuntimeError):
    """Worker processes cannot be started here at all."""


def _check_workers_start() -> None:
    """Raise WorkersUnavailable, naming the likely cause, if a fresh worker cannot even run a
    trivial call: a host memory limit too small for one, or a program fed on standard input
    (its `__main__` cannot be imported again by path)."""
    try:
        _POOL.get(1).submit(os.getpid).result()
    except BrokenProcessPool as error:
        _POOL.close()
        main = sys.modules.get("__main__")
        limit = address_space_limit()
        if main is not None and getattr(main, "__file__", None) is None and not hasattr(sys, "ps1") \
                and sys.argv[:1] in ([""], ["-"]):
            cause = ("the program was fed on standard input, so a worker cannot import it again: run taizhang "
                     "from its command, a script file or `python -c`")
        elif limit is not None:
            cause = (f"this host limits each process to {limit / 2**20:.0f} MB of address space (ulimit -v) and "
                     "a worker could not start under it: raise the limit for taizhang (it runs under 4096 MB)")
        else:
            cause = "see the system log for why a new process ended at once (out of memory or processes?)"
        raise WorkersUnavailable(f"无法启动读取文件的工作进程 / worker processes cannot start: {cause}") from error


def read_batch(paths: list[Path], checks: Checks | None, workers: int = WORKERS,
               reader=extract_file) -> BatchRead:
    """Read (and with `checks`, validate) files in isolated worker processes; reads in the order given.

    With `checks`, the batch goes in one part per worker, validated together; without, one file
    at a time. `reader` must be importable by the workers (a module-level function); it is
    `extract_file` except in tests that need a reader which crashes on purpose.
    """
    paths = list(paths)
    parts = [paths[i::workers] for i in range(workers) if paths[i::workers]] if checks else [[p] for p in paths]
    done, lost = _run(parts, workers, reader, checks)
    if lost:
        _check_workers_start()  # a worker that cannot start at all is no file's fault
    for path in lost:  # one at a time: find the file that kills its worker
        alone, _ = _run([[path]], 1, reader, checks)
        done += alone or [_refused(path)]
    return combine(done, paths)


def combine(parts: list[BatchRead], paths: list[Path]) -> BatchRead:
    """The parts of a batch as one: reads in the order of `paths`, every problem, every result."""
    by_path = {read.path: read for part in parts for read in part.reads}
    return BatchRead([by_path[path] for path in paths], concat_problems([part.problems for part in parts]),
                     [blob for part in parts for blob in part.results])


def extract_many(paths: list[Path], workers: int = WORKERS, reader=extract_file) -> list[FileRead]:
    """Extract files in isolated worker processes, in the order given (no validation)."""
    return read_batch(paths, None, workers, reader).reads


def _check_part(records: pa.Table, contract: Contract, files: dict[str, FileRead], checks: Checks,
                rules: frozenset[str]) -> pd.DataFrame:
    return validate_records(to_frame(records), contract, checks.expectations_dir, files, checks.parameters,
                            checks.today, rules=rules)


def check_in_workers(parts: Iterable[tuple[Contract, pa.Table, frozenset[str]]], files: dict[str, FileRead],
                     checks: Checks) -> pd.DataFrame:
    """Check records already loaded against some rules of their source's suite (`parts`: contract,
    records, rules), the parts spread over the workers, where Great Expectations is imported
    already; every problem found. `files`: the records' files, as the warehouse knows them.
    At most two parts per worker are taken from `parts` before their results are collected."""
    pool = _POOL.get(WORKERS)
    found: list[pd.DataFrame] = []
    running: deque = deque()
    for contract, records, rules in parts:
        if len(running) >= 2 * WORKERS:
            found.append(running.popleft().result())
        ids = pc.unique(records["file_id"]).to_pylist()
        running.append(pool.submit(_check_part, records, contract, {f: files[f] for f in ids}, checks, rules))
    return concat_problems(found + [future.result() for future in running])


def _render_docs(results: list[bytes], expectations_dir: Path, docs_dir: Path) -> Path:
    return render_docs([item for blob in results for item in pickle.loads(blob)], expectations_dir, docs_dir)


def run_in_worker(function, *args):
    """`function(*args)` in a worker, under its memory cap: for work that reads what people
    sent (an error receipt re-reads their sheets) or needs the workers' imports (Great
    Expectations). `function` must be importable by the worker (a module-level function)."""
    return _POOL.get(WORKERS).submit(function, *args).result()


def render_docs_in_worker(results: list[bytes], expectations_dir: Path, docs_dir: Path) -> Path:
    """Render a run's data docs (the `results` the workers sent) in a worker, where Great
    Expectations is imported already; the index page."""
    return run_in_worker(_render_docs, results, expectations_dir, docs_dir)
