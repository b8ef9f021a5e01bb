-- Table macro: one row per item donated to the assisted village (捐物, 驻村帮扶) in
-- [start_on, end_on] within a scope: the item, how many, the measure (台, 套, 盏 …), when it was
-- first given, and the rows it comes from.
create or replace macro metrics.village_items(start_on, end_on, scope_name := null) as table
    select item, coalesce(sum(quantity), 0)::bigint as quantity, any_value(item_unit) as unit,
           min(event_on) as first_on,
           list({'path': path, 'sheet': sheet, 'row_number': row_number} order by event_on, path, row_number) as places
    from core.aid_events
    where event_on between start_on and end_on and core.in_scope(unit_name, scope_name)
      and kind = '捐物' and context_key like '%驻村帮扶%' and item is not null
    group by item
    order by min(event_on), item
