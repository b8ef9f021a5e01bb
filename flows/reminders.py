"""催报: which units owe a month's ledger and have not sent it, and what they are told. From the
submission calendar (`marts.submission_status`), the same mart the reports' tables use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb

from flows.report.periods import chinese_date


@dataclass(frozen=True)
class Reminder:
    unit_name: str
    slot_name: str      # 2021年7月
    due_on: date

    @property
    def text(self) -> str:
        return (f"【台账催报】{self.unit_name}：{self.slot_name}活动台账尚未收到，请于"
                f"{chinese_date(self.due_on, with_year=True)}前报送（已报送的请忽略）。")


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
    return [Reminder(*row) for row in rows]
