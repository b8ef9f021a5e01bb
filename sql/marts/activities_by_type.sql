-- Table macro: one row per activity type with activities in [start_on, end_on] within a scope:
-- how many were held and how many took part.
create or replace macro marts.activities_by_type(start_on, end_on, scope_name := null) as table
    select
        activity_type,
        count(*) as count_activities,
        coalesce(sum(participants), 0)::bigint as count_participants
    from core.activities
    where activity_on between start_on and end_on
      and unit_name in (select unit_name from core.scope_units(scope_name))
    group by activity_type
