-- Table macro: one row per metric of the catalogue (metric_id, value) for [start_on, end_on] and a
-- scope, as metrics.figures counts it (village_items is a list of items, not a number).
create or replace macro metrics.metric_values(start_on, end_on, scope_name := null) as table
    select metric_id, value
    from metrics.figures(start_on, end_on, scope_name := scope_name, with_places := false)
    where metric_id <> 'village_items'
    order by position
