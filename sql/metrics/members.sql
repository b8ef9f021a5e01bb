-- Table macro: one row per (metric, item it counts) over every source, for [start_on, end_on] and
-- a scope: the single definition of every metric, from which values and evidence both come.
-- with_places := false: each member's places left out (metrics.figures says why), and the
-- activities' members one row per kind of activity, `times` the activities it stands for
-- (metrics.activity_members).
create or replace macro metrics.members(start_on, end_on, scope_name := null, with_places := true) as table
    select * from metrics.activity_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    union all by name
    select * from metrics.matter_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    union all by name
    select * from metrics.publicity_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    union all by name
    select * from metrics.aid_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    union all by name
    select * from metrics.other_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    union all by name
    select * from metrics.calendar_members(start_on, end_on, scope_name := scope_name, with_places := with_places)
