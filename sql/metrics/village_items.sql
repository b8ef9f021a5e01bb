-- Table macro: one row per item donated to the assisted village in [start_on, end_on] within a
-- scope: the item, how many, the measure (台, 套, 盏 …), when it was first given, and the rows it
-- comes from. Its rows are the members of the metric village_items (metrics.aid_members), the
-- one place that says which donations those are.
create or replace macro metrics.village_items(start_on, end_on, scope_name := null) as table
    with members as (
        select item_id
        from metrics.aid_members(start_on, end_on, scope_name := scope_name)
        where metric_id = 'village_items'
    )

    select events.item, coalesce(sum(events.quantity), 0)::bigint as quantity, any_value(events.item_unit) as unit,
           min(events.event_on) as first_on,
           list({'path': events.path, 'sheet': events.sheet, 'row_number': events.row_number}
                order by events.event_on, events.path, events.row_number) as places
    from core.aid_events as events
    where events.file_id || ':' || events.row_number in (select item_id from members)
    group by events.item
    order by min(events.event_on), events.item
