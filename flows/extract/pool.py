"""Extraction in worker processes: parallel across files, and isolated from the run.

Parsers are native code (calamine, lxml); one hostile file could crash or exhaust the
process that reads it. Here each file is read in a worker process with a memory cap, so
a crash costs that worker, not the run. When a worker dies, the files it may have been
reading are read again one at a time in fresh workers: the one that kills its worker
again is refused, the others are read normally.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

from flows.extract import FileRead, extract_file, sha256_of

WORKERS = max(1, min(4, os.cpu_count() or 1))
MEMORY_CAP = int(os.environ.get("TAIZHANG_WORKER_MEMORY_MB", "6144")) * 2**20  # address space per worker


def _limit_memory(cap: int) -> None:
    """In a worker: a runaway allocation fails there with MemoryError instead of exhausting the machine."""
    import resource

    if cap > 0:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class _Pool:
    """One pool of spawned workers, kept for the whole process and replaced when broken."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None

    def get(self, workers: int) -> ProcessPoolExecutor:
        if self.executor is None or self.executor._max_workers != workers:  # noqa: SLF001
            self.close()
            self.executor = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_memory, initargs=(MEMORY_CAP,),
            )
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None


_POOL = _Pool()
atexit.register(_POOL.close)


def _crashed(path: Path) -> FileRead:
    stat = path.stat()
    return FileRead(path=path, file_id=sha256_of(path), size_bytes=stat.st_size,
                    modified_at=datetime.fromtimestamp(stat.st_mtime),
                    refusal="读取时解析程序异常退出（文件结构异常或过大），已拒收；请检查文件后重新保存提交",
                    refusal_kind="parser_crash")


def _run(paths: list[Path], workers: int, reader) -> tuple[dict[Path, FileRead], list[Path]]:
    """Read files in the pool; returns what was read and what was lost to a dead worker."""
    done: dict[Path, FileRead] = {}
    lost: list[Path] = []
    pool = _POOL.get(workers)
    futures = {pool.submit(reader, path): path for path in paths}
    for future in as_completed(futures):
        path = futures[future]
        try:
            done[path] = future.result()
        except BrokenProcessPool:
            lost.append(path)
        except MemoryError:
            done[path] = _crashed(path)
    if lost:
        _POOL.close()
    return done, lost


def extract_many(paths: list[Path], workers: int = WORKERS, reader=extract_file) -> list[FileRead]:
    """Extract files in isolated worker processes, in the order given.

    `reader` must be importable by the workers (a module-level function); it is
    `extract_file` except in tests that need a reader which crashes on purpose.
    """
    done, lost = _run(list(paths), workers, reader)
    for path in lost:  # one at a time: find the file that kills its worker
        alone, died = _run([path], 1, reader)
        done.update(alone)
        if died:
            done[path] = _crashed(path)
    return [done[path] for path in paths]
