"""Telling units: 催报 (which units owe a month's ledger and have not sent it, from the submission
calendar `marts.submission_status`, the mart the reports' tables use) and their error receipts
after an ingest (each unit with open problems gets its receipt once while they are unchanged;
a unit whose problems were all closed gets one short 已全部更正)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from datetime import date

import duckdb
import pandas as pd

from flows.delivery import Message, Outcome, deliver
from flows.recipients import Contact, load_recipients
from flows.periods import chinese_date
from flows.settings import AlertSettings, Settings
from flows.warehouse import file_lock, open_warehouse, writer_lock_path


@dataclass(frozen=True)
class Reminder:
    month: str          # 2021-07: the period the ledger covers
    unit_name: str
    slot_name: str      # 2021年7月
    due_on: date

    @property
    def text(self) -> str:
        return (f"【台账催报】{self.unit_name}：{self.slot_name}活动台账尚未收到，请于"
                f"{chinese_date(self.due_on, with_year=True)}前报送（已报送的请忽略）。")


def unit_contacts(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Contact]:
    """Each unit's contact in the recipients file `path`, every unit checked against the register."""
    units = {u for (u,) in con.execute("select unit_name from core.units").fetchall()}
    return load_recipients(path, units).units


def owed_ledgers(con: duckdb.DuckDBPyConnection, month: str) -> list[Reminder]:
    """The units that owe the ledger of `month` (YYYY-MM) and from which none has arrived."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"--month {month!r}: write the month as YYYY-MM, e.g. 2021-07")
    year, number = map(int, month.split("-"))
    first = date(year, number, 1)
    after = date(year + number // 12, number % 12 + 1, 1)  # its ledger falls due in the month after
    following_end = date(after.year + after.month // 12, after.month % 12 + 1, 1).toordinal() - 1
    rows = con.execute(
        "select unit_name, slot_name, ledger_due_on from marts.submission_status(?::date, ?::date) "
        "where slot_start = ? and received_at is null order by unit_name",
        [after, date.fromordinal(following_end), first]).fetchall()
    return [Reminder(month, *row) for row in rows]


def send_reminders(settings: Settings, owed: list[Reminder],
                   contacts: dict[str, Contact]) -> list[tuple[Reminder, Outcome | None]]:
    """Each reminder to its unit's contacts, once per unit and period (raw.deliveries); (reminder,
    None) for a unit with no contact. Holds the warehouse's writer lock while it records."""
    out: list[tuple[Reminder, Outcome | None]] = []
    with file_lock(writer_lock_path(settings.warehouse), settings.lock_wait_seconds), \
            open_warehouse(settings.warehouse, settings.sql_dir, rules=settings.rules) as con:
        for reminder in owed:
            contact = contacts.get(reminder.unit_name)
            if contact is None:
                out.append((reminder, None))
                continue
            message = Message("reminder", reminder.month, f"【台账催报】{reminder.slot_name}活动台账", reminder.text)
            outcomes = deliver(con, contact, message, AlertSettings.load(), settings.sent_dir)
            out += [(reminder, outcome) for outcome in outcomes]
    return out


def send_receipts(con: duckdb.DuckDBPyConnection, problems: pd.DataFrame, receipts: list[Path],
                  contacts: dict[str, Contact], sent_dir: Path) -> list[Outcome]:
    """Each unit with open problems and a contact gets its error receipt, once while its problems
    are unchanged; a unit that was sent one and has none left gets 已全部更正, once. `con` writes
    the warehouse (the ingest that calls this is its writer)."""
    by_path = {path.stem.removeprefix("错误回执_"): path for path in receipts}
    outcomes: list[Outcome] = []
    for unit, contact in contacts.items():
        found = problems[problems["unit_name"] == unit]
        if len(found):
            rows = found[["path", "sheet", "row_number", "column_letter", "rule", "value"]].astype(str)
            key = "receipt|" + hashlib.sha256("\n".join(sorted("|".join(r) for r in rows.values)).encode()).hexdigest()
            text = (f"{unit}：你单位报送的台账有{len(found)}条数据问题待更正，详见附件错误回执"
                    f"（{by_path[unit].name if unit in by_path else ''}）；请更正后重新报送。")
            attachments = ((by_path[unit].name, by_path[unit].read_bytes()),) if unit in by_path else ()
            message = Message("receipt", unit, f"【错误回执】{unit}：{len(found)}条数据问题待更正", text,
                              attachments, key)
        else:
            last = con.execute("select any_value(coalesce(same_as, sha256) order by sent_at desc) from raw.deliveries "
                               "where what = 'receipt' and period_label = ? and delivery_status = 'sent'",
                               [unit]).fetchone()[0]
            if last is None:
                continue  # never told of a problem: nothing to close
            message = Message("receipt_closed", unit, f"【错误回执】{unit}：问题已全部更正",
                              f"{unit}：此前回执中的数据问题已全部更正，谢谢。", key=f"all-corrected|{last}")
        outcomes += deliver(con, contact, message, AlertSettings.load(), sent_dir)
    return outcomes
