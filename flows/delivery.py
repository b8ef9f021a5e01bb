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
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime

import duckdb

from flows.alerts import send_mail
from flows.recipients import Contact
from flows.settings import AlertSettings

ATTEMPTS = 3
_ENV = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")


class SecretMissing(ValueError):
    """A contact names an environment variable for a secret that is not set."""


@dataclass(frozen=True)
class Message:
    what: str          # reminder | receipt | receipt_closed
    period: str        # 2021-07 …
    subject: str
    text: str          # plain text; robots get it as Markdown
    attachments: tuple[tuple[str, bytes], ...] = ()
    key: str | None = None  # what makes two messages the same when their bytes may differ (a receipt: its problems)

    @property
    def sha256(self) -> str:
        if self.key:
            return hashlib.sha256(self.key.encode("utf-8")).hexdigest()
        digest = hashlib.sha256(f"{self.subject}\n{self.text}".encode("utf-8"))
        for name, data in self.attachments:
            digest.update(name.encode("utf-8"))
            digest.update(data)
        return digest.hexdigest()


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


def _send_once(channel: str, contact: Contact, message: Message, smtp: AlertSettings) -> str:
    address = _resolve(contact.channels[channel])
    markdown = f"### {message.subject}\n\n{message.text}"
    if channel == "email":
        if not smtp.smtp_host:
            raise RuntimeError("no SMTP server is configured (TAIZHANG_SMTP_HOST)")
        send_mail(smtp, [address], message.subject, message.text, list(message.attachments))
        return "250 accepted"
    if channel == "wecom":
        answer = _post(address, {"msgtype": "markdown", "markdown": {"content": markdown}})
        _robot_answer(answer, "errcode")
    elif channel == "dingtalk":
        secret = _resolve(contact.secret) if contact.secret else None
        answer = _post(_dingtalk_url(address, secret),
                       {"msgtype": "markdown", "markdown": {"title": message.subject, "text": markdown}})
        _robot_answer(answer, "errcode")
    elif channel == "feishu":
        answer = _post(address, {"msg_type": "text", "content": {"text": f"{message.subject}\n{message.text}"}})
        _robot_answer(answer, "code")
    else:
        answer = _post(address, {"what": message.what, "period": message.period, "subject": message.subject,
                                 "text": message.text})
    return answer


def _sent_before(con: duckdb.DuckDBPyConnection, message: Message, recipient: str, channel: str) -> bool:
    return bool(con.execute(
        "select count(*) from raw.deliveries where what = ? and period_label = ? and recipient = ? and channel = ? "
        "and sha256 = ? and delivery_status = 'sent'", [message.what, message.period, recipient, channel, message.sha256]
    ).fetchone()[0])


def deliver(con: duckdb.DuckDBPyConnection, contact: Contact, message: Message, smtp: AlertSettings,
            pause: float = 1.0) -> list[Outcome]:
    """Send `message` to `contact` by each of its channels not already sent, recording each in
    raw.deliveries (a writer connection)."""
    outcomes = []
    for channel in contact.channels:
        outcome = Outcome(contact.name, channel, "already_sent")
        if not _sent_before(con, message, contact.name, channel):
            for attempt in range(1, ATTEMPTS + 1):
                outcome.attempts = attempt
                try:
                    outcome.answer = _send_once(channel, contact, message, smtp)[:2000]
                    outcome.status = "sent"
                    break
                except SecretMissing:
                    raise
                except Exception as error:  # noqa: BLE001 - a failed channel is recorded, then retried next run
                    outcome.status, outcome.answer = "failed", f"{type(error).__name__}: {error}"[:2000]
                    time.sleep(pause * attempt)
            con.execute("insert into raw.deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [message.what, message.period, contact.name, channel, message.sha256, datetime.now(),
                         outcome.status, outcome.answer, outcome.attempts])
        outcomes.append(outcome)
    return outcomes
