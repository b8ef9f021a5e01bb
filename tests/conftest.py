"""Shared fixtures: the spec's samples, fresh settings per test, one Prefect test server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT, Settings

SHARED = PROJECT_ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def samples() -> Path:
    """`../shared/samples/`: real-looking submissions, one of each kind (CI has shared/ beside the checkout)."""
    assert SAMPLES.is_dir(), f"the spec's samples are missing: expected {SAMPLES}"
    return SAMPLES


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Inbox, warehouse and reports in a fresh temporary folder."""
    made = Settings.load().under(tmp_path)
    made.inbox.mkdir(parents=True)
    return made


@pytest.fixture(scope="session")
def prefect():
    """One temporary Prefect API for the whole session (starting one costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.writer import ensure_warehouse_limit

    with prefect_test_harness(server_startup_timeout=60):
        ensure_warehouse_limit()  # what the command line and `taizhang serve` do before any run
        yield


def pytest_configure(config):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # tests write a file and ingest it at once; the inbox's wait for files still being copied
    # in has its own tests (test_busy_inbox.py)
    os.environ.setdefault("TAIZHANG_SETTLE_SECONDS", "0")
    # commands the tests start each use their own temporary Prefect server, tied to them; the
    # shared local server that commands use by default has its own tests (test_local_server.py)
    os.environ.setdefault("TAIZHANG_SHARED_SERVER_IDLE_MINUTES", "0")
    # and import for themselves: the standby they would otherwise fork from has its own tests
    # (test_standby.py)
    os.environ.setdefault("TAIZHANG_STANDBY_MINUTES", "0")
