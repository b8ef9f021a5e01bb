"""Telling people: a message to a contact by each of its channels (e-mail, 企业微信, 钉钉 with
its signature, 飞书, a plain webhook), recorded in `raw.deliveries`.

- Sent means recorded: what, period, recipient, channel, the sha256 of what was sent, when,
  the status and the server's answer. The same message is never sent twice to the same
  recipient by the same channel.
- A channel that fails (an HTTP error, a robot's non-zero `errcode`, a time-out) is tried
  again a bounded number of times, then recorded as failed with its answer; the next run
  sends it.
- No secret ever appears in the warehouse, a log or an error: robots' addresses hold keys, so
  a recipient is recorded by name and channel only, and `env:NAME` secrets are read at sending.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from flows.alerts import send_mail
from flows.recipients import Contact
from flows.settings import AlertSettings

ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 1.0  # before the second try; twice that before the third
_ENV = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")


class SecretMissing(ValueError):
    """A contact names an environment variable for a secret that is not set."""


class DeliveryFailed(RuntimeError):
    """Some messages could not be sent after their tries: recorded as failed, sent by the next run."""


@dataclass(frozen=True)
class Message:
    what: str          # report_monthly … | reminder | receipt | receipt_closed
    period: str        # 2021-07 …
    subject: str
    text: str          # the mail's text; robots get it as Markdown unless `markdown` is given
    attachments: tuple[tuple[str, bytes], ...] = ()
    key: str | None = None       # what makes two messages the same when their bytes differ (a report: its figures)
    markdown: str | None = None  # what robots show instead of `text` (a report: its summary and where its file is)
    file: tuple[str, bytes] | None = None  # a file for the robots that can carry one (企业微信, after an upload)

    @property
    def sha256(self) -> str:
        """Of the bytes sent: subject, text and attachments."""
        digest = hashlib.sha256(f"{self.subject}\n{self.text}".encode("utf-8"))
        for name, data in self.attachments:
            digest.update(name.encode("utf-8"))
            digest.update(data)
        return digest.hexdigest()

    @property
    def same_as(self) -> str:
        """Two messages with this equal are the same message: never sent twice to one recipient."""
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest() if self.key else self.sha256

    def keep(self, sent_dir: Path) -> Path:
        """Keep the bytes sent (sent means frozen): the text and each attachment, in a folder of
        their own named by what, period and digest; written once, whatever the number of recipients."""
        folder = sent_dir / f"{self.what}_{self.period}_{self.sha256[:16]}"
        if not folder.exists():
            partial = folder.with_name(folder.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            (partial / "message.txt").write_text(f"{self.subject}\n\n{self.text}", encoding="utf-8")
            for name, data in self.attachments:
                (partial / name).write_bytes(data)
            partial.rename(folder)
        return folder


@dataclass
class Outcome:
    recipient: str
    channel: str
    status: str        # sent | failed | already_sent
    answer: str = ""
    attempts: int = 0


def _resolve(text: str) -> str:
    """An address or secret with its `env:NAME` parts read from the environment."""
    def value(match: re.Match) -> str:
        if match[1] not in os.environ:
            raise SecretMissing(f"the recipients file names ${match[1]} for a secret, and it is not set: set it "
                                "in the environment of taizhang")
        return os.environ[match[1]]
    return _ENV.sub(value, text)


def _post(url: str, body: dict) -> str:
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode("utf-8", "replace")


def _wecom_upload(address: str, name: str, data: bytes) -> str:
    """Upload a file for a 企业微信 group robot (its upload_media address, beside its send address);
    returns the media_id a file message names."""
    url = urllib.parse.urlparse(address)
    upload = url._replace(path=url.path.rsplit("/", 1)[0] + "/upload_media", query=url.query + "&type=file")
    boundary = f"taizhang{hashlib.sha256(data).hexdigest()[:24]}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{name}\"; "
            f"filelength={len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n").encode("utf-8") \
        + data + f"\r\n--{boundary}--\r\n".encode("ascii")
    request = urllib.request.Request(urllib.parse.urlunparse(upload), data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = response.read().decode("utf-8", "replace")
    _robot_answer(answer, "errcode")
    return json.loads(answer)["media_id"]


def _robot_answer(answer: str, key: str) -> None:
    """Robots answer HTTP 200 with an error code in the body: a non-zero one is a failure."""
    try:
        code = json.loads(answer).get(key, 0)
    except (ValueError, AttributeError):
        return
    if code not in (0, None):
        raise RuntimeError(answer[:500])


def _dingtalk_url(url: str, secret: str | None) -> str:
    """DingTalk's signed address: timestamp (ms) and HMAC-SHA256 of `timestamp\\nsecret`, base64."""
    if not secret:
        return url
    stamp = str(round(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{stamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}&timestamp={stamp}&sign={sign}"


def _send_once(channel: str, contact: Contact, message: Message, smtp: AlertSettings, done: dict) -> str:
    """One try of one channel. `done` carries the steps of a 企业微信 message and file that went
    through across its tries, so that a retry after a failed file does not post the text twice."""
    address = _resolve(contact.channels[channel])
    markdown = message.markdown or f"### {message.subject}\n\n{message.text}"
    if channel == "email":
        if not smtp.smtp_host:
            raise RuntimeError("no SMTP server is configured (TAIZHANG_SMTP_HOST)")
        send_mail(smtp, [address], message.subject, message.text, list(message.attachments))
        return "250 accepted"
    if channel == "wecom":
        if message.file and "media" not in done:  # uploading shows nothing in the group: first
            done["media"] = _wecom_upload(address, *message.file)
        if "text" not in done:
            answer = _post(address, {"msgtype": "markdown", "markdown": {"content": markdown}})
            _robot_answer(answer, "errcode")
            done["text"] = answer
        answer = done["text"]
        if message.file:
            answer = _post(address, {"msgtype": "file", "file": {"media_id": done["media"]}})
            _robot_answer(answer, "errcode")
    elif channel == "dingtalk":
        secret = _resolve(contact.secret) if contact.secret else None
        answer = _post(_dingtalk_url(address, secret),
                       {"msgtype": "markdown", "markdown": {"title": message.subject, "text": markdown}})
        _robot_answer(answer, "errcode")
    elif channel == "feishu":
        answer = _post(address, {"msg_type": "text",
                                 "content": {"text": f"{message.subject}\n{message.markdown or message.text}"}})
        _robot_answer(answer, "code")
    else:
        answer = _post(address, {"what": message.what, "period": message.period, "subject": message.subject,
                                 "text": message.text})
    return answer


def _sent_before(con: duckdb.DuckDBPyConnection, message: Message, recipient: str, channel: str) -> bool:
    return bool(con.execute(
        "select count(*) from raw.deliveries where what = ? and period_label = ? and recipient = ? and channel = ? "
        "and coalesce(same_as, sha256) = ? and delivery_status = 'sent'",
        [message.what, message.period, recipient, channel, message.same_as]
    ).fetchone()[0])


def deliver(con: duckdb.DuckDBPyConnection, contact: Contact, message: Message, smtp: AlertSettings,
            sent_dir: Path) -> list[Outcome]:
    """Send `message` to `contact` by each of its channels not already sent, recording each in
    raw.deliveries (a writer connection) and keeping the bytes sent under `sent_dir`."""
    outcomes = []
    kept = None
    for channel in contact.channels:
        outcome = Outcome(contact.name, channel, "already_sent")
        if not _sent_before(con, message, contact.name, channel):
            kept = kept or message.keep(sent_dir)
            done: dict = {}
            for attempt in range(1, ATTEMPTS + 1):
                outcome.attempts = attempt
                try:
                    outcome.answer = _send_once(channel, contact, message, smtp, done)[:2000]
                    outcome.status = "sent"
                    break
                except SecretMissing:
                    raise
                except Exception as error:  # noqa: BLE001 - a failed channel is recorded, then retried next run
                    outcome.status, outcome.answer = "failed", f"{type(error).__name__}: {error}"[:2000]
                    if attempt < ATTEMPTS:
                        time.sleep(RETRY_PAUSE_SECONDS * attempt)
            con.execute("insert into raw.deliveries (what, period_label, recipient, channel, sha256, sent_at, "
                        "delivery_status, answer, attempts, same_as, kept) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [message.what, message.period, contact.name, channel, message.sha256, datetime.now(),
                         outcome.status, outcome.answer, outcome.attempts, message.same_as, str(kept)])
        outcomes.append(outcome)
    return outcomes
