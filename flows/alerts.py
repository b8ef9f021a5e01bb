"""Alerts when a run fails or crashes: a webhook and an e-mail, as Prefect state hooks.

Configured in the environment (read in one place, `flows/settings.py`: `AlertSettings.load`); each channel is used only
when it is configured, and a channel that fails is logged, never raised (an alert must not
hide the failure it reports):

    TAIZHANG_ALERT_WEBHOOK   URL that receives a JSON POST
    TAIZHANG_SMTP_HOST / _PORT (587) / _USER / _PASSWORD
    TAIZHANG_SMTP_TLS        starttls (default) | ssl | none
    TAIZHANG_SMTP_CAFILE     CA bundle for the server's certificate (default: the system's)
    TAIZHANG_ALERT_FROM / TAIZHANG_ALERT_TO (comma-separated)

The e-mail carries a Chinese attachment (运行失败说明_<flow>.txt) whose name is encoded per
RFC 2231, so mail clients show it as written.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from flows.settings import AlertSettings

logger = logging.getLogger("taizhang.alerts")


@dataclass(frozen=True)
class Alert:
    flow: str
    run: str
    state: str
    message: str
    parameters: dict
    url: str | None
    headline: str = "运行失败"

    @property
    def subject(self) -> str:
        return f"【taizhang】{self.flow} {self.headline}：{self.run}（{self.state}）"

    def text(self) -> str:
        lines = [f"流程 / flow: {self.flow}", f"运行 / run: {self.run}", f"状态 / state: {self.state}",
                 f"参数 / parameters: {json.dumps(self.parameters, ensure_ascii=False, default=str)}",
                 f"原因 / reason: {self.message}"]
        if self.url:
            lines.append(f"查看 / view: {self.url}")
        return "\n".join(lines) + "\n"


def send_webhook(alert: Alert, url: str) -> None:
    body = json.dumps({"flow": alert.flow, "run": alert.run, "state": alert.state, "message": alert.message,
                       "parameters": alert.parameters, "url": alert.url, "text": alert.subject},
                      ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def send_email(alert: Alert, settings: AlertSettings) -> None:
    send_mail(settings, list(settings.recipients), alert.subject, alert.text(),
              [(f"运行失败说明_{alert.flow}.txt", alert.text().encode("utf-8"))])


def send_mail(settings: AlertSettings, to: list[str], subject: str, text: str,
              attachments: list[tuple[str, bytes]] = ()) -> None:
    """One e-mail through the configured SMTP server (STARTTLS, SSL or plain), attachments named
    per RFC 2231 so that Chinese file names arrive intact. Used for alerts and deliveries."""
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail.set_content(text)
    for name, data in attachments:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/"):
            mail.add_attachment(data.decode("utf-8"), subtype=kind.split("/")[1], charset="utf-8", filename=name)
        else:
            mail.add_attachment(data, maintype=kind.split("/")[0], subtype=kind.split("/")[1], filename=name)
    context = ssl.create_default_context(cafile=settings.smtp_cafile)
    if settings.smtp_tls == "ssl":
        server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, context=context, timeout=15)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15)
    with server:
        if settings.smtp_tls == "starttls":
            server.starttls(context=context)
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        server.send_message(mail)


def deliver(alert: Alert, settings: AlertSettings | None = None) -> list[str]:
    """Send the alert on every configured channel; returns the channels that worked."""
    settings = settings or AlertSettings.load()
    sent = []
    if settings.webhook:
        try:
            send_webhook(alert, settings.webhook)
            sent.append("webhook")
        except Exception as error:  # noqa: BLE001 - an alert never hides the failure it reports
            logger.error("alert webhook %s failed: %s", settings.webhook, error)
    if settings.smtp_host and settings.recipients:
        try:
            send_email(alert, settings)
            sent.append("email")
        except Exception as error:  # noqa: BLE001
            logger.error("alert e-mail via %s failed: %s", settings.smtp_host, error)
    return sent


def notify_failure(flow, flow_run, state) -> None:
    """Prefect state hook (on_failure, on_crashed): tell the people who run taizhang."""
    from prefect.settings import PREFECT_UI_URL

    ui = PREFECT_UI_URL.value()
    alert = Alert(flow=flow.name, run=flow_run.name, state=state.name, message=state.message or "",
                  parameters=dict(flow_run.parameters or {}),
                  url=f"{ui}/runs/flow-run/{flow_run.id}" if ui else None)
    deliver(alert)


def alert_correction(title: str, changed: str, command: str) -> None:
    """Tell the people who run taizhang that a 更正版 waits for one of them to send it."""
    deliver(Alert(flow="report", run=title, state="待确认", headline="更正版待发送",
                  message=f"数字有变化 / figures changed: {changed}; 确认后发送 / send it with `{command}`",
                  parameters={}, url=None))
