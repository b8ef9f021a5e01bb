-- Table macro: one row per metric of the catalogue for [start_on, end_on] and a scope: its value
-- (the distinct items a counting metric counts, or the sum of a summing metric's amounts) and
-- the source rows behind it (places: file, sheet, row), in one pass over the members. Values
-- (metric_values) and evidence both come from here. with_places := false leaves the places out
-- (null or empty) for a query that reads only values: DuckDB keeps building the places of a member
-- macro's row (a CTE read twice is materialised whole) even when nothing reads them.
create or replace macro metrics.figures(start_on, end_on, scope_name := null, with_places := true) as table
    with members as (
        select * from metrics.members(start_on, end_on, scope_name := scope_name, with_places := with_places)
    ),

    final as (
        select
            catalogue.metric_id,
            catalogue.position,
            case catalogue.aggregate
                when 'sum' then coalesce(sum(members.amount), 0)
                -- an activity is one member of each metric it counts for (core.activities has
                -- one row per activity): counted as they come, `times` activities a row, without
                -- the de-duplication that would be the costliest step over a million of them
                else coalesce(sum(members.times) filter (where catalogue.source = 'activities'), 0)
                    + count(distinct members.item_id) filter (where catalogue.source <> 'activities')
            end::bigint as value,
            flatten(list(members.places) filter (where members.places is not null)) as places
        from metrics.catalogue as catalogue
        left join members using (metric_id)
        group by catalogue.metric_id, catalogue.aggregate, catalogue.position
    )

    select metric_id, position, value, places from final order by position
