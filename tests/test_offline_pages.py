"""What people open in a browser works on an intranet with no internet: the data docs and the
Prefect UI are loaded in Debian's headless Chromium with every request that leaves this
machine aborted, and must be styled, complete and working. Screenshots go to the test's folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows.pipeline import ingest

CHROMIUM = shutil.which("chromium")
TAIZHANG = str(Path(sys.executable).with_name("taizhang"))


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: scripts/setup.sh installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def offline_page(browser, local: tuple[str, ...]):
    """A page whose requests go through only to `local` addresses; the others are aborted and listed."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    failed: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith(local):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda request: failed.append(request.url))
    return page, outside, failed


def test_the_data_docs_are_styled_and_filter_with_the_network_off(prefect, settings, samples, browser, tmp_path):
    for name in ("组织机构与班子（2022年版）.xlsx", "机关党支部2022年6月学习台账.xlsx", "办公室2022年4月学习活动台账.xlsx"):
        shutil.copy(samples / name, settings.inbox / name)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    index = settings.data_docs / "index.html"
    page, outside, failed = offline_page(browser, ("file://",))
    page.goto(index.as_uri())
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "data_docs.png"))
    assert outside == [] and failed == []
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("-apple-system")  # Bootstrap's
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    table = "table.ge-index-page-validation-results-table tbody tr"
    before = page.locator(table).count()
    page.locator("input.search-input[placeholder='Search']").first.press_sequentially("activities", delay=20)
    page.wait_for_timeout(800)  # bootstrap-table filters as one types
    after = page.locator(table).count()
    assert before > after >= 1 and "activities" in page.locator(table).first.inner_text()
    href = page.locator("a", has_text="activities").first.get_attribute("href")  # a validation page, styled too
    page.goto((index.parent / href).resolve().as_uri())
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "validation.png"))
    assert outside == [] and failed == []
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("-apple-system")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_prefect_ui_of_taizhang_serve_renders_the_runs_of_other_commands_with_the_network_off(settings, samples, browser,
                                                                                     tmp_path):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "TAIZHANG_REPORTS": str(settings.reports_out)}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([TAIZHANG, "--warehouse", str(settings.warehouse), "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()[-2000:]
                time.sleep(0.5)
        import json

        with urllib.request.urlopen(f"{api}/admin/settings", timeout=10) as response:  # nothing phones home
            assert json.load(response)["server"]["analytics_enabled"] is False
        shutil.copy(samples / "组织机构与班子（2022年版）.xlsx", settings.inbox)
        # a command with no Prefect API configured runs against serve's server when it is up
        done = subprocess.run([TAIZHANG, "--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox)],
                              env={**env, "TAIZHANG_SERVE_PORT": str(port)}, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "temporary server" not in done.stdout + done.stderr

        page, outside, failed = offline_page(browser, (f"http://127.0.0.1:{port}",))
        page.goto(f"http://127.0.0.1:{port}/runs")
        page.get_by_text("ingest").first.wait_for(timeout=60_000)  # the flow run, listed by the UI
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(tmp_path / "prefect_ui.png"))
        assert page.get_by_text("Completed").count() >= 1
        assert outside == [] and failed == []
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
