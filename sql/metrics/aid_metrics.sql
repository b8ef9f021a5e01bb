-- Table macro: one row per aid metric (metric_id, value) for [start_on, end_on] within a scope.
-- Recipients and contexts are free text: a row counts when it names the recipient or context.
create or replace macro metrics.aid_metrics(start_on, end_on, scope_name := null) as table
    with events as (
        select *
        from core.aid_events
        where event_on between start_on and end_on and core.in_scope(unit_name, scope_name)
    ),

    counts as (
        select
            coalesce(sum(households) filter (
                where kind = '走访慰问' and regexp_matches(recipient, '困难党员|老党员')
                  and context_key like '%三五基层工作日%'), 0)::bigint                      as visited_households_workday,
            coalesce(sum(households) filter (
                where kind = '走访慰问' and regexp_matches(recipient, '困难群众|困难党员')
                  and context_key like '%驻村帮扶%'), 0)::bigint                            as visited_households_village,
            coalesce(sum(item_value_yuan) filter (
                where kind = '走访慰问' and context_key like '%驻村帮扶%'), 0)::bigint      as village_gift_value,
            coalesce(sum(item_value_yuan) filter (
                where kind = '捐物' and context_key like '%抗洪救灾%'), 0)::bigint          as flood_goods_value,
            coalesce(sum(amount_yuan) filter (
                where kind = '捐款' and context_key like '%抗洪救灾%'), 0)::bigint          as flood_cash,
            count(distinct events.unit_name) filter (
                where context_key like '%疫情防控%'
                  and events.unit_name in (select unit_name from core.units where unit_type = '直属学会'))
                                                                                            as epidemic_societies
        from events
    )

    unpivot counts on columns(*) into name metric_id value value
