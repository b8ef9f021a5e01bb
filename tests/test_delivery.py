"""Reminders reach people through the channels an office uses: a local SMTP server and local
HTTP receivers speaking the 企业微信, 钉钉 (its signature checked) and 飞书 robot formats, one of
which fails the first time. What arrived is asserted; nothing arrives twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import urllib.parse
from pathlib import Path
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest

from flows.delivery import DeliveryFailed
from test_ops import smtp_server  # noqa: F401 - a local SMTP server that requires STARTTLS
from test_compliance import year  # noqa: F401 - the small year with a missing October ledger



def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def robots():
    """One HTTP server answering as the three robots do; the WeCom path fails its first request."""
    received: list[tuple[str, dict, dict]] = []
    failures = {"/wecom": 1}

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            data = self.rfile.read(int(self.headers["Content-Length"]))
            url = urllib.parse.urlparse(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/upload_media":  # 企业微信's file upload: multipart/form-data, field "media"
                boundary = self.headers.get_param("boundary").encode()
                (part,) = [p for p in data.split(b"--" + boundary) if p.strip(b"-\r\n")]
                head, _, content = part.partition(b"\r\n\r\n")
                fields = dict(re.findall(r'(\w+)="([^"]*)"', head.decode("utf-8")))  # browsers' raw UTF-8 names
                body = {"name": fields["name"], "filename": fields["filename"], "bytes": content.removesuffix(b"\r\n")}
            else:
                body = json.loads(data)
            failing = next((k for k in (url.path, f"{url.path}#{body.get('msgtype')}") if failures.get(k, 0) > 0), None)
            if failing:
                failures[failing] -= 1
                answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
            elif url.path == "/dingtalk":
                digest = hmac.new(b"SECdemo", f"{query['timestamp']}\nSECdemo".encode(), hashlib.sha256).digest()
                good = query.get("sign") == base64.b64encode(digest).decode()
                answer = {"errcode": 0 if good else 310000, "errmsg": "ok" if good else "sign not match"}
                if good:
                    received.append((url.path, query, body))
            else:
                received.append((url.path, query, body))
                answer = {"code": 0} if url.path == "/feishu" else {"errcode": 0, "errmsg": "ok"}
                if url.path == "/upload_media":
                    answer["media_id"] = f"media-{len(received)}"
            data = json.dumps(answer).encode()
            self.send_response(500 if answer.get("errcode") and url.path == "/webhook" else 200)  # a plain hook: HTTP
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received, failures
    server.shutdown()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    mails = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            mails.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mails
    controller.stop()


def test_reminders_arrive_once_by_each_channel_and_a_failed_robot_is_retried(
        year, robots, smtp, tmp_path, monkeypatch, capsys):  # noqa: F811
    from flows.cli import main

    base, received, _ = robots
    port, mails = smtp
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(
        "units:\n"
        f"  办公室: {{name: 郑丽, email: zhengli@example.org, wecom: \"{base}/wecom?key=env:WECOM_KEY\", "
        f"dingtalk: \"{base}/dingtalk?access_token=abc\", secret: \"env:DING_SECRET\", feishu: \"{base}/feishu\"}}\n",
        encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_RECIPIENTS", str(recipients))
    monkeypatch.setenv("WECOM_KEY", "k-secret-1")
    monkeypatch.setenv("DING_SECRET", "SECdemo")
    monkeypatch.setenv("TAIZHANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TAIZHANG_SMTP_PORT", str(port))
    monkeypatch.setenv("TAIZHANG_SMTP_TLS", "none")
    monkeypatch.setattr("flows.delivery.RETRY_PAUSE_SECONDS", 0)  # no waiting between tries
    command = ["--warehouse", str(year.warehouse), "remind", "--month", "2021-10"]

    assert main(command) == 0
    out = capsys.readouterr().out
    assert out.count("sent         办公室 → 郑丽") == 4
    ((to, mail),) = mails
    assert to == ["zhengli@example.org"] and mail["Subject"] == "【台账催报】2021年10月活动台账"
    assert "办公室：2021年10月活动台账尚未收到，请于2021年11月5日前报送" in mail.get_content()
    paths = sorted(path for path, _, _ in received)
    assert paths == ["/dingtalk", "/feishu", "/wecom"]  # WeCom's first answer was an error: tried again
    wecom = next(body for path, query, body in received if path == "/wecom")
    assert wecom["msgtype"] == "markdown" and "尚未收到" in wecom["markdown"]["content"]
    assert next(q for p, q, _ in received if p == "/wecom")["key"] == "k-secret-1"

    assert main(command) == 0  # the same reminder again: nothing arrives twice
    assert capsys.readouterr().out.count("already_sent") == 4
    assert len(mails) == 1 and len(received) == 3

    with duckdb.connect(str(year.warehouse), read_only=True) as con:
        rows = con.execute("select channel, delivery_status, attempts from raw.deliveries order by channel").fetchall()
        stored = " ".join(str(v) for row in con.execute("select * from raw.deliveries").fetchall() for v in row)
    assert rows == [("dingtalk", "sent", 1), ("email", "sent", 1), ("feishu", "sent", 1), ("wecom", "sent", 2)]
    assert "k-secret-1" not in stored and "SECdemo" not in stored and "abc" not in stored  # no secret kept

    assert main(["--warehouse", str(year.warehouse), "deliveries", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted((d["channel"], d["delivery_status"], d["recipient"]) for d in listed) == [
        ("dingtalk", "sent", "郑丽"), ("email", "sent", "郑丽"), ("feishu", "sent", "郑丽"), ("wecom", "sent", "郑丽")]


def test_the_scheduled_reminder_run_fails_when_a_channel_fails_and_the_next_run_sends_it(
        year, robots, tmp_path, monkeypatch):  # noqa: F811
    from flows.pipeline import remind

    base, received, failures = robots
    failures["/webhook"] = 3 * 10  # down for this run's three tries
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(f"units:\n  办公室: {{name: 办公室群, webhook: \"{base}/webhook\"}}\n", encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_RECIPIENTS", str(recipients))
    monkeypatch.setattr("flows.delivery.RETRY_PAUSE_SECONDS", 0)
    with pytest.raises(DeliveryFailed, match="1 reminder.s. could not be sent"):
        remind(month="2021-10", warehouse=str(year.warehouse))
    failures["/webhook"] = 0
    from flows.cli import main  # the next run, by hand this time (one flow run per test keeps the test server calm)

    assert main(["--warehouse", str(year.warehouse), "remind", "--month", "2021-10"]) == 0
    assert [body["text"][:6] for path, _, body in received if path == "/webhook"] == ["【台账催报】"]
    with duckdb.connect(str(year.warehouse), read_only=True) as con:
        assert con.execute("select delivery_status, attempts from raw.deliveries where channel = 'webhook' "
                           "order by sent_at").fetchall() == [("failed", 3), ("sent", 1)]


def test_each_unit_gets_its_error_receipt_once_and_one_all_corrected_message(
        prefect, settings, samples, robots, smtp, monkeypatch):
    import shutil
    from datetime import date

    from flows.pipeline import ingest
    from workbooks import LEDGER_HEADER, write_xlsx

    base, received, _ = robots
    port, mails = smtp
    shutil.copy(samples / "组织机构与班子（2022年版）.xlsx", settings.inbox)
    recipients = settings.inbox.parent / "recipients.yaml"
    recipients.write_text(f"units:\n  研究室: {{name: 研究室联络员, email: yjs@example.org, feishu: \"{base}/feishu\"}}\n",
                          encoding="utf-8")
    monkeypatch.setenv("TAIZHANG_RECIPIENTS", str(recipients))
    monkeypatch.setenv("TAIZHANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TAIZHANG_SMTP_PORT", str(port))
    monkeypatch.setenv("TAIZHANG_SMTP_TLS", "none")

    def ledger(participants):
        write_xlsx(settings.inbox / "研究室2022年6月学习台账.xlsx", {"台账": [
            ["XX市社科联研究室2022年6月学习活动台账"], ["填报单位：研究室"], LEDGER_HEADER,
            [1, date(2022, 6, 8), "研讨交流", "研讨交流（第1次）", "研究室", None, None, participants]]})

    def run():
        ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out))

    ledger(-3)  # a count below zero: held back, the unit is told
    run()
    run()  # nothing new: its problems are unchanged, nothing is sent again
    ((to, mail),) = mails
    assert to == ["yjs@example.org"] and mail["Subject"] == "【错误回执】研究室：1条数据问题待更正"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "错误回执_研究室.xlsx" and attachment.get_content()[:2] == b"PK"
    assert [body["content"]["text"].splitlines()[0] for path, _, body in received] == ["【错误回执】研究室：1条数据问题待更正"]

    ledger(12)  # the corrected ledger closes the problem: one short message, once
    run()
    run()
    assert [m["Subject"] for _, m in mails] == ["【错误回执】研究室：1条数据问题待更正", "【错误回执】研究室：问题已全部更正"]
    assert len(received) == 2


def test_a_report_goes_to_its_recipients_once_and_a_changed_period_only_as_a_correction_a_person_sends(
        prefect, tmp_path, robots, smtp_server, monkeypatch, capsys):
    """The 更正版 path end to end: send the October report; an October ledger arrives late; the
    rebuild is a 更正版 that the plain --send refuses; --send --correction sends it, saying what
    changed; sending it again sends nothing. Mail goes through STARTTLS."""
    from flows.cli import main
    from flows.pipeline import ingest
    from flows.settings import Settings
    from test_compliance import write_year
    from workbooks import LEDGER_HEADER, write_xlsx

    base, received, failures = robots
    failures["/send#file"] = 1  # 企业微信 refuses the file message once: the retry must not post the text again
    port, cafile, mails = smtp_server
    settings = Settings.load().under(tmp_path / "year")
    settings.inbox.mkdir(parents=True)
    write_year(settings.inbox)
    ingest(warehouse=str(settings.warehouse), inbox=str(settings.inbox), reports=str(settings.reports_out),
           settle_seconds=0)
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(
        "reports:\n  monthly:\n"
        "    - {name: 巡回指导组, email: xhzdz@example.org}\n"
        f"    - {{name: 指导组群, wecom: \"{base}/send?key=env:WECOM_KEY\", feishu: \"{base}/feishu\"}}\n"
        f"    - {{name: 钉钉群, dingtalk: \"{base}/dingtalk?access_token=t\", secret: SECdemo}}\n", encoding="utf-8")
    for name, value in {"TAIZHANG_RECIPIENTS": str(recipients), "WECOM_KEY": "k-secret-2",
                        "TAIZHANG_ALERT_WEBHOOK": f"{base}/alerts",
                        "TAIZHANG_SMTP_HOST": "localhost", "TAIZHANG_SMTP_PORT": str(port),
                        "TAIZHANG_SMTP_CAFILE": str(cafile)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("flows.delivery.RETRY_PAUSE_SECONDS", 0)
    send = ["--warehouse", str(settings.warehouse), "report", "monthly", "--month", "2021-10",
            "--out", str(settings.reports_out), "--send"]

    assert main(send) == 0
    docx = settings.reports_out / "XX市社科联_月报_2021-10.docx"
    evidence = settings.reports_out / "XX市社科联_月报_2021-10_evidence.csv"
    ((encrypted, to, content),) = mails
    mail = message_from_bytes(content, policy=default)
    title = mail["Subject"]
    assert encrypted and to == ["xhzdz@example.org"] and "2021年10月" in title and "更正版" not in title
    attachments = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert attachments.keys() == {docx.name, evidence.name}  # Chinese names intact (RFC 2231 on the wire)
    assert attachments[docx.name] == docx.read_bytes() and content.isascii()
    assert "报告期：2021年10月1日至2021年10月31日" in mail.get_body(("plain",)).get_content()
    by_path = {path: body for path, _, body in received}
    assert sorted(by_path) == ["/dingtalk", "/feishu", "/send", "/upload_media"]
    assert [b["msgtype"] for p, _, b in received if p == "/send"] == ["markdown", "file"]  # the text once
    assert by_path["/upload_media"]["filename"] == docx.name
    assert by_path["/upload_media"]["bytes"] == docx.read_bytes()
    markdown = next(b for p, _, b in received if p == "/send" and b["msgtype"] == "markdown")["markdown"]["content"]
    assert markdown.startswith(f"### {title}") and str(docx) in markdown
    assert str(docx) in by_path["/dingtalk"]["markdown"]["text"]

    write_xlsx(settings.inbox / "办公室2021年10月学习活动台账.xlsx", {"台账": [  # the missing October ledger, late
        ["办公室2021年10月学习活动台账"], ["填报单位：办公室"], LEDGER_HEADER,
        [1, "2021-10-20", "集体学习", "办公室10月集体学习", "办公室", None, None, 6]]})
    assert main(["--warehouse", str(settings.warehouse), "--inbox", str(settings.inbox), "ingest"]) == 0
    capsys.readouterr()

    assert main(send) == 1  # the rebuild is a 更正版: a plain --send sends nothing and says how
    corrected = settings.reports_out / "XX市社科联_月报_2021-10（更正版）.docx"
    assert corrected.exists()
    err = capsys.readouterr().err
    assert "is a 更正版" in err and "taizhang report monthly --month 2021-10 --send --correction" in err
    (alert,) = [body for path, _, body in received if path == "/alerts"]  # ops are told it waits for a person
    assert alert["text"] == f"【taizhang】report 更正版待发送：{title}（更正版）（待确认）"
    assert "--send --correction" in alert["message"]
    assert len(mails) == 1 and len(received) == 6

    assert main(send + ["--correction"]) == 0
    (_, _, content) = mails[1]
    mail = message_from_bytes(content, policy=default)
    assert mail["Subject"] == f"{title}（更正版）"
    assert {a.get_filename() for a in mail.iter_attachments()} == {corrected.name,
                                                                    "XX市社科联_月报_2021-10（更正版）_evidence.csv"}
    text = mail.get_body(("plain",)).get_content()
    assert "本版为更正版" in text and "（2021-10-01至2021-10-31）：" in text and " → " in text
    assert len(received) == 11

    assert main(send + ["--correction"]) == 0  # the same 更正版 again: nothing arrives twice
    assert capsys.readouterr().out.count("already_sent") == 4
    assert len(mails) == 2 and len(received) == 11
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select what, period_label, recipient, channel, sha256, kept from raw.deliveries "
                           "where delivery_status = 'sent' order by sent_at").fetchall()
    assert len(rows) == 8 and {r[0] for r in rows} == {"report_monthly"}
    kept = Path(rows[-1][5])
    assert (kept / corrected.name).read_bytes() == attachments_of(mails[1])[corrected.name]  # the bytes sent, kept
    assert "k-secret-2" not in " ".join(str(v) for row in rows for v in row)


def attachments_of(sent) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in message_from_bytes(sent[2], policy=default).iter_attachments()}
