-- Table macro: one row per unit with activities in [start_on, end_on] within a scope.
create or replace macro marts.activities_by_unit(start_on, end_on, scope_name := null) as table
    select
        unit_name,
        count(*) as count_activities,
        coalesce(sum(participants), 0)::bigint as count_participants
    from core.activities
    where activity_on between start_on and end_on
      and unit_name in (select unit_name from core.scope_units(scope_name))
    group by unit_name
