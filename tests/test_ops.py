"""Operations on Prefect: schedules, backfills, one writer at a time, alerts, Dask."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.ops import SCHEDULES, deployments
from flows.settings import TIMEZONE
from flows.writer import WAREHOUSE_LIMIT
from flows.pipeline import backfill, ingest
from flows.periods import between, previous
from flows.settings import PROJECT_ROOT
from workbooks import LEDGER_HEADER, write_xlsx

TAIZHANG = str(Path(sys.executable).with_name("taizhang"))
REGISTER = "组织机构与班子（2022年版）.xlsx"


def ledger(folder: Path, month: int, rows: int = 3) -> Path:
    path = folder / f"研究室2022年{month}月学习台账.xlsx"
    write_xlsx(path, {"台账": [LEDGER_HEADER] + [
        [n, date(2022, month, 1 + n % 28), "集体学习", f"{month}月学习（第{n}次）", "研究室", None, None, 10 + n,
         None, None, None, None] for n in range(1, rows + 1)]})
    return path


def test_deployments_are_registered_with_their_schedules_in_asia_shanghai(prefect):
    from prefect.client.orchestration import get_client

    ids = [d.apply() for d in deployments()]
    with get_client(sync_client=True) as client:
        registered = {client.read_deployment(i).name: client.read_deployment(i) for i in ids}
    assert set(registered) == {"hourly-ingest", "weekly-report", "monthly-report", "annual-summary", "monthly-reminders"}
    for s in SCHEDULES:
        (schedule,) = registered[s.deployment].schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (s.cron, TIMEZONE, True)
        assert registered[s.deployment].parameters == s.parameters
    assert registered["weekly-report"].schedules[0].schedule.cron == "30 8 * * 1"  # Monday morning
    assert registered["monthly-reminders"].schedules[0].schedule.cron == "0 9 3 * *"  # the 3rd, 9:00


def test_prefect_yaml_declares_the_same_schedules_as_serve():
    declared = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    assert [(d["name"], d["entrypoint"].split(":")[1], d["schedules"][0]["cron"], d["schedules"][0]["timezone"],
             d.get("parameters", {})) for d in declared] == [
        (s.deployment, s.flow, s.cron, TIMEZONE, s.parameters) for s in SCHEDULES]


def test_a_scheduled_report_covers_the_last_complete_period():
    assert previous("weekly", date(2021, 12, 13)) == "2021-W49"  # Monday morning: last week
    assert previous("monthly", date(2022, 1, 1)) == "2021-12"
    assert previous("annual", date(2022, 1, 5)) == "2021"
    assert between("monthly", "2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert between("weekly", "2021-W52", "2022-W01") == ["2021-W52", "2022-W01"]


def test_a_backfill_runs_one_report_flow_per_period_in_order(prefect, settings, samples):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    for month in (4, 5, 6):
        ledger(settings.inbox, month, rows=month - 3)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))
    reports = backfill("monthly", "2022-04", "2022-06", warehouse=str(settings.warehouse),
                       out=str(settings.reports_out), return_state=True)
    written = reports.result()
    assert [r.docx.name for r in written] == [f"XX市社科联_月报_2022-0{m}.docx" for m in (4, 5, 6)]
    assert [next(f.value for f in r.figures if f.metric_id == "activities_total" and f.period_start.month == m)
            for r, m in zip(written, (4, 5, 6))] == [1, 2, 3]
    with get_client(sync_client=True) as client:
        parent = client.read_flow_run(reports.state_details.flow_run_id)
        task_runs_of_parent = FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id]))
        children = client.read_flow_runs(flow_run_filter=task_runs_of_parent, sort=FlowRunSort.START_TIME_ASC)
    assert [c.parameters["period"] for c in children] == ["2022-04", "2022-05", "2022-06"]
    assert [c.name for c in children] == ["report-monthly-2022-04", "report-monthly-2022-05", "report-monthly-2022-06"]
    assert all(c.state.is_completed() for c in children)
    weeks = backfill("weekly", "2022-W22", "2022-W23", warehouse=str(settings.warehouse), out=str(settings.reports_out))
    assert [r.docx.name for r in weeks] == ["XX市社科联_周报_2022-W22.docx", "XX市社科联_周报_2022-W23.docx"]


def test_the_writer_limit_is_strict(prefect, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.writer import ensure_warehouse_limit, warehouse_writer

    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(WAREHOUSE_LIMIT)
        try:
            with pytest.raises(Exception, match=WAREHOUSE_LIMIT):
                with warehouse_writer(tmp_path / "w.duckdb", wait=5):
                    pass
        finally:
            ensure_warehouse_limit()
        assert client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT).limit == 1


def _warehouse_state(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("""select (select count(*) from raw.files), (select count(*) from raw.activity_rows),
                                     (select count(*) from core.files where is_live),
                                     (select count(*) from raw.file_arrivals)""").fetchone()
    finally:
        con.close()


def test_two_ingests_started_at_once_both_finish_and_load_everything_once(prefect, settings, samples, tmp_path):
    from prefect.settings import PREFECT_API_URL

    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    for month in range(1, 13):
        ledger(settings.inbox, month, rows=40)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TAIZHANG_REPORTS": str(settings.reports_out)}
    command = [TAIZHANG, "--warehouse", str(settings.warehouse), "ingest", "--inbox", str(settings.inbox)]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert not any("lock" in err.lower() and "error" in err.lower() for _, err in outputs)
    loaded = [out for out, _ in outputs if "loaded" in out]
    assert len(loaded) == 1 and any("没有新文件" in out for out, _ in outputs)  # one loaded, the other found it done
    # the same inbox in a fresh warehouse, alone: the same rows
    alone = settings.warehouse.with_name("alone.duckdb")
    ingest(warehouse=str(alone), inbox=str(settings.inbox), reports=str(tmp_path / "alone"))
    assert _warehouse_state(settings.warehouse) == _warehouse_state(alone)
    assert _warehouse_state(alone)[1] == 12 * 40


class _Webhook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    _Webhook.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", _Webhook.received
    server.shutdown()


@pytest.fixture
def smtp_server(tmp_path):
    """A local SMTP server that requires STARTTLS, with a self-signed certificate."""
    import ssl

    from aiosmtpd.controller import Controller
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)

    class Inbox:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((session.ssl is not None, envelope.rcpt_tos, envelope.content))
            return "250 OK"

    handler = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot report one it chose itself)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    yield controller.port, cert_file, handler.messages
    controller.stop()


def test_a_failed_run_notifies_a_webhook_and_by_email_with_tls(prefect, settings, webhook, smtp_server, monkeypatch):
    url, posts = webhook
    port, cafile, mails = smtp_server
    for name, value in {"TAIZHANG_ALERT_WEBHOOK": url, "TAIZHANG_SMTP_HOST": "localhost", "TAIZHANG_SMTP_PORT": str(port),
                        "TAIZHANG_SMTP_CAFILE": str(cafile), "TAIZHANG_ALERT_TO": "ops@example.org",
                        "TAIZHANG_ALERT_FROM": "taizhang@example.org"}.items():
        monkeypatch.setenv(name, value)
    settings.warehouse.mkdir(parents=True)  # a folder where the warehouse file should be: the run fails
    state = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), return_state=True)
    assert state.is_failed()
    (post,) = posts
    assert post["flow"] == "ingest" and post["state"] == "Failed" and post["parameters"]["warehouse"] == str(settings.warehouse)
    (mail,) = mails
    encrypted, recipients, content = mail
    assert encrypted and recipients == ["ops@example.org"]
    message = message_from_bytes(content, policy=policy.default)
    assert message["Subject"].startswith("【taizhang】ingest 运行失败")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "运行失败说明_ingest.txt"
    assert content.isascii() and re.search(rb"filename\*(0\*)?=utf-8''%E8%BF%90", content)  # RFC 2231 on the wire
    assert "状态 / state: Failed" in attachment.get_content()


def test_a_dask_backed_ingest_gives_the_same_warehouse_as_the_default_runner(prefect, settings, samples, tmp_path):
    import dask
    from prefect_dask import DaskTaskRunner

    shutil.copy(samples / REGISTER, settings.inbox / REGISTER)
    for name in ("机关党支部2022年6月学习台账.xlsx", "二支部2022年第1季度活动台账.csv", "党课登记表-2022-06-30-张建国.docx",
                 "普及部2022年宣讲活动台账.xls", "智库专报报送台账2022.xlsx"):
        shutil.copy(samples / name, settings.inbox / name)
    for month in range(1, 7):
        ledger(settings.inbox, month, rows=5)
    default = ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(tmp_path / "a"))
    # worker processes must be allowed children: extraction isolates each parser in its own process
    with dask.config.set({"distributed.worker.daemon": False}):
        runner = DaskTaskRunner(cluster_class="distributed.LocalCluster",
                                cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                                "dashboard_address": None})
        on_dask = ingest.with_options(task_runner=runner)(
            warehouse=str(tmp_path / "dask.duckdb"), inbox=str(settings.inbox), reports=str(tmp_path / "b"), parallel=3)
    def states(result):
        return sorted(zip(result.files["path"], result.files["status"], result.files["rows"]))

    assert states(on_dask) == states(default) and len(states(default)) == 12
    assert _warehouse_state(tmp_path / "dask.duckdb") == _warehouse_state(settings.warehouse)
    tables = ("raw.activity_rows", "raw.think_tank_rows", "raw.problems")
    for table in tables:
        query = f"select * exclude (run_id, first_seen_at) from {table} order by all" if table == "raw.problems" else \
            f"select * from {table} order by all"
        a, b = (duckdb.connect(str(p), read_only=True) for p in (settings.warehouse, tmp_path / "dask.duckdb"))
        try:
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), table
        finally:
            a.close()
            b.close()
