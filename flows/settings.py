"""One settings object: where the inbox, the warehouse and the reports live.

Every step takes its paths from a `Settings`; nothing else reads the environment.
Precedence: explicit argument (CLI flag) > environment variable > default under the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TIMEZONE = "Asia/Shanghai"  # the office's: schedules, the last complete period, due dates

# Nothing phones home (the users' networks reach nothing outside): Great Expectations, Prefect's
# server and Prefect's client (DO_NOT_TRACK) send usage data unless told not to. Every command
# imports this first.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def _number(env, name: str, default: float) -> float:
    """A number (of seconds, of megabytes) from the environment, or a sentence saying what is wrong with it."""
    text = env.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name}={text!r} is not a number (0 or more); fix or unset it")
    return value


@dataclass(frozen=True)
class Settings:
    """Paths and names one run of taizhang works with."""

    warehouse: Path
    inbox: Path
    reports_out: Path
    org_name: str = "XX市社科联"
    sql_dir: Path = PROJECT_ROOT / "sql"
    expectations_dir: Path = PROJECT_ROOT / "expectations"
    templates_dir: Path = PROJECT_ROOT / "reports" / "templates"
    notes_dir: Path = PROJECT_ROOT / "reports" / "notes"   # analysts' text per report (flows/report/notes.py)
    rules: Path = PROJECT_ROOT / "reports" / "rules.yaml"  # 三会一课 rules and the submission calendar (flows/rules.py)
    recipients: Path = PROJECT_ROOT / "reports" / "recipients.yaml"  # who receives what (flows/recipients.py)
    # a file changed less than this many seconds ago may still be being copied in: it waits for
    # the next run (0: never wait, for inboxes that only receive files moved in whole)
    settle_seconds: float = 60.0
    # address space of each worker that reads files, a cap on a runaway parser (never above the host's own limit)
    worker_memory_mb: int = 6144
    # processes that read and validate files (up to 4, one per core)
    workers: int = max(1, min(4, os.cpu_count() or 1))
    # the 微信公众号 whose detail exports are dropped in, when the file name does not say it
    wechat_account: str | None = None
    # the port `taizhang serve` runs its Prefect server on: commands run against it when it is up
    serve_port: int = 4200
    # commands share one local Prefect API server, which ends itself after this many idle
    # minutes (flows/local_server.py); 0: each command starts its own temporary server
    shared_server_idle_minutes: float = 10.0
    standby_minutes: float = 10.0  # the standby process commands fork from (flows/standby.py); 0: none
    # a Dask scheduler that `taizhang ingest --dask` reads on when none is named
    dask_address: str | None = None
    # how long a command waits for another process that holds the warehouse file, then says so
    lock_wait_seconds: float = 120.0

    @classmethod
    def load(
        cls,
        warehouse: str | os.PathLike | None = None,
        inbox: str | os.PathLike | None = None,
        reports_out: str | os.PathLike | None = None,
    ) -> "Settings":
        """Settings from arguments, then `TAIZHANG_*` environment variables, then defaults.
        A relative path is taken from the working folder, once, here."""
        env = os.environ

        def path(*given) -> Path:
            return Path(next(p for p in given if p)).absolute()

        return cls(
            warehouse=path(warehouse, env.get("TAIZHANG_WAREHOUSE"), PROJECT_ROOT / "warehouse" / "taizhang.duckdb"),
            inbox=path(inbox, env.get("TAIZHANG_INBOX"), PROJECT_ROOT / "inbox"),
            reports_out=path(reports_out, env.get("TAIZHANG_REPORTS"), PROJECT_ROOT / "reports" / "out"),
            org_name=env.get("TAIZHANG_ORG_NAME", cls.org_name),
            notes_dir=path(env.get("TAIZHANG_NOTES"), cls.notes_dir),
            rules=path(env.get("TAIZHANG_RULES"), cls.rules),
            recipients=path(env.get("TAIZHANG_RECIPIENTS"), cls.recipients),
            settle_seconds=_number(env, "TAIZHANG_SETTLE_SECONDS", cls.settle_seconds),
            worker_memory_mb=int(_number(env, "TAIZHANG_WORKER_MEMORY_MB", cls.worker_memory_mb)),
            workers=max(1, int(_number(env, "TAIZHANG_WORKERS", cls.workers))),
            wechat_account=env.get("TAIZHANG_WECHAT_ACCOUNT") or None,
            dask_address=env.get("TAIZHANG_DASK_ADDRESS") or None,
            serve_port=int(_number(env, "TAIZHANG_SERVE_PORT", cls.serve_port)),
            shared_server_idle_minutes=_number(env, "TAIZHANG_SHARED_SERVER_IDLE_MINUTES",
                                               cls.shared_server_idle_minutes),
            standby_minutes=_number(env, "TAIZHANG_STANDBY_MINUTES", cls.standby_minutes),
            lock_wait_seconds=_number(env, "TAIZHANG_LOCK_WAIT_SECONDS", cls.lock_wait_seconds),
        )

    @property
    def data_docs(self) -> Path:
        """Where each ingest renders the Great Expectations data docs (open index.html)."""
        return self.reports_out / "data_docs"

    @property
    def sent_dir(self) -> Path:
        """Where every message sent is kept, byte for byte (raw.deliveries.kept names its folder)."""
        return self.warehouse.parent / "sent"

    @property
    def problem_list(self) -> Path:
        """Where each ingest writes every open problem (problems.csv), as its last file."""
        return self.reports_out / "problems.csv"

    @property
    def receipts(self) -> Path:
        """Where each ingest writes the error receipts (错误回执), one per unit."""
        return self.reports_out / "receipts"

    def under(self, folder: str | os.PathLike) -> "Settings":
        """The same settings with inbox, warehouse and reports all inside one folder.

        Templates and notes stay where they are: they are what analysts write, not output.
        """
        folder = Path(folder)
        return replace(self, warehouse=folder / "taizhang.duckdb", inbox=folder / "inbox", reports_out=folder / "reports")


@dataclass(frozen=True)
class AlertSettings:
    """Where failure alerts go (flows/alerts.py): a webhook and/or e-mail, from `TAIZHANG_ALERT_*`
    and `TAIZHANG_SMTP_*`."""

    webhook: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "starttls"
    smtp_cafile: str | None = None
    sender: str = "taizhang@localhost"
    recipients: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> "AlertSettings":
        env = os.environ
        return cls(
            webhook=env.get("TAIZHANG_ALERT_WEBHOOK") or None,
            smtp_host=env.get("TAIZHANG_SMTP_HOST") or None,
            smtp_port=int(env.get("TAIZHANG_SMTP_PORT", "587")),
            smtp_user=env.get("TAIZHANG_SMTP_USER") or None,
            smtp_password=env.get("TAIZHANG_SMTP_PASSWORD") or None,
            smtp_tls=env.get("TAIZHANG_SMTP_TLS", "starttls"),
            smtp_cafile=env.get("TAIZHANG_SMTP_CAFILE") or None,
            sender=env.get("TAIZHANG_ALERT_FROM", cls.sender),
            recipients=tuple(r.strip() for r in env.get("TAIZHANG_ALERT_TO", "").split(",") if r.strip()),
        )
