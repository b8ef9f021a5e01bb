-- One row per ledger of the submission calendar in the rules file (reports/rules.yaml), rewritten on every build.
create table if not exists raw.submission_rules (
    unit_type  varchar not null,   -- the units that owe it (register 单位类型)
    source     varchar not null,   -- the ledger owed (a source of sources.md)
    per        varchar not null,   -- one ledger per month | quarter | year
    due_day    integer not null,   -- due by this day of the month after the period
    line       integer             -- its line in the rules file
);
