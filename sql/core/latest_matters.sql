-- Table macro: one row per practical matter in each unit's latest list sent for a period starting
-- on or before end_on (lists are cumulative: the latest restates every matter), within a scope,
-- with whether the matter was done by end_on.
create or replace macro core.latest_matters(end_on, scope_name := null) as table
    with versions as (
        select list_unit, file_id,
               row_number() over (partition by list_unit order by period_end desc nulls last, file_id) as recency
        from (select distinct list_unit, file_id, period_end, period_start from core.matters)
        where period_start is null or period_start <= end_on
    )

    select matters.*, matters.status = '已完成' and matters.done_on <= end_on as is_done
    from core.matters as matters
    join versions using (list_unit, file_id)
    where versions.recency = 1 and core.in_scope(coalesce(matters.unit_name, matters.list_unit), scope_name)
