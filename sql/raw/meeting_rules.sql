-- One row per 三会一课 rule of the rules file (reports/rules.yaml), rewritten on every build.
create table if not exists raw.meeting_rules (
    unit_type      varchar not null,   -- the units it applies to (register 单位类型)
    activity_type  varchar not null,   -- the meeting, a value of the activity-type vocabulary
    at_least       integer not null,   -- meetings required per slot
    per            varchar not null,   -- month | quarter | year
    line           integer             -- its line in the rules file
);
