-- Table macro: one row per (aid metric, record counted by it) for [start_on, end_on] within a scope.
-- Recipients and contexts are free text: a row counts when it names the recipient or context.
-- For epidemic_societies the item is the society, so each counts once.
create or replace macro metrics.aid_members(start_on, end_on, scope_name := null, with_places := true) as table
    with events as (
        select
            *,
            unit_name in (select unit_name from core.units where unit_type = '直属学会') as by_society
        from core.aid_events
        where event_on between start_on and end_on and core.in_scope(unit_name, scope_name)
    ),

    members(metric_id, item_id, amount, path, sheet, row_number) as (
        select 'visited_households_workday', file_id || ':' || row_number, households, path, sheet, row_number
        from events where kind = '走访慰问' and regexp_matches(recipient, '困难党员|老党员')
                      and context_key like '%三五基层工作日%'
        union all
        select 'visited_households_village', file_id || ':' || row_number, households, path, sheet, row_number
        from events where kind = '走访慰问' and regexp_matches(recipient, '困难群众|困难党员')
                      and context_key like '%驻村帮扶%'
        union all
        select 'village_gift_value', file_id || ':' || row_number, item_value_yuan, path, sheet, row_number
        from events where kind = '走访慰问' and context_key like '%驻村帮扶%'
        union all
        select 'village_items', file_id || ':' || row_number, quantity, path, sheet, row_number
        from events where kind = '捐物' and context_key like '%驻村帮扶%' and item is not null
        union all
        select 'flood_goods_value', file_id || ':' || row_number, item_value_yuan, path, sheet, row_number
        from events where kind = '捐物' and context_key like '%抗洪救灾%'
        union all
        select 'flood_cash', file_id || ':' || row_number, amount_yuan, path, sheet, row_number
        from events where kind = '捐款' and context_key like '%抗洪救灾%'
        union all
        select 'epidemic_societies', unit_name, 1, path, sheet, row_number
        from events where context_key like '%疫情防控%' and by_society
    )

    select metric_id, item_id, coalesce(amount, 0) as amount,
           case when with_places then [{'path': path, 'sheet': sheet, 'row_number': row_number}] end as places
    from members
