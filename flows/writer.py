"""Being the warehouse's one writer: its file lock (one process on this machine), then the
Prefect global concurrency slot `taizhang-warehouse` (one run on the Prefect API in use).

It is taken with `strict=True`: a missing limit is an error, not a silent skip.
`ensure_warehouse_limit` creates it (the command line and `taizhang serve` call it; with
`prefect deploy`, run `prefect gcl create taizhang-warehouse --limit 1` once). A writer first
takes an OS lock on `<warehouse>.lock` (released by the kernel when its process dies). Holding
it, no other writer of this file is alive, so a slot still taken belongs to a killed run:
Prefect would free it only when its lease expires, and a temporary (serverless) API never
does. The writer frees it, then takes the slot. Flows that write hold it for their whole run."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flows.warehouse import file_lock, writer_lock_path

WAREHOUSE_LIMIT = "taizhang-warehouse"
WRITER_WAIT_SECONDS = 600  # a writer waits this long for the one before it, then fails


def ensure_warehouse_limit() -> None:
    """Create the writer limit (1 slot) on the Prefect API in use, unless it exists (or another
    command sharing the API created it just now: its 409 Conflict is that)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WAREHOUSE_LIMIT, limit=1))
            except ObjectAlreadyExists:
                pass


@contextmanager
def warehouse_writer(warehouse: Path, wait: float = WRITER_WAIT_SECONDS) -> Iterator[None]:
    """Be the warehouse's one writer: its file lock, then the Prefect slot (strict: the limit must exist)."""
    from prefect.concurrency.sync import concurrency

    with file_lock(writer_lock_path(warehouse), wait):
        _free_stale_slots()
        with concurrency(WAREHOUSE_LIMIT, occupy=1, strict=True, timeout_seconds=wait, lease_duration=60):
            yield


def _free_stale_slots() -> None:
    """Free writer slots left taken by killed runs (call only while holding the file lock)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT)
        except ObjectNotFound:
            return  # strict acquisition will say so
        if limit.active_slots:
            client.update_global_concurrency_limit(WAREHOUSE_LIMIT, GlobalConcurrencyLimitUpdate(active_slots=0))
