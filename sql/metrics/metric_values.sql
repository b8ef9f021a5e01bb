-- Table macro: one row per metric of the catalogue (metric_id, value) for [start_on, end_on] and a
-- scope: the distinct items a counting metric counts, or the sum of a summing metric's amounts.
create or replace macro metrics.metric_values(start_on, end_on, scope_name := null) as table
    with members as (
        select * from metrics.members(start_on, end_on, scope_name := scope_name)
    ),

    final as (
        select
            catalogue.metric_id,
            case catalogue.aggregate
                when 'sum' then coalesce(sum(members.amount), 0)
                else count(distinct members.item_id)
            end::bigint as value
        from metrics.catalogue as catalogue
        left join members using (metric_id)
        where catalogue.metric_id <> 'village_items'
        group by catalogue.metric_id, catalogue.aggregate, catalogue.position
        order by catalogue.position
    )

    select * from final
