-- Table macro: one row per (practical-matters metric, matter counted by it) as of [start_on, end_on]:
-- each unit's latest list sent for a period starting on or before end_on.
create or replace macro metrics.matter_members(start_on, end_on, scope_name := null) as table
    with versions as (
        select list_unit, file_id,
               row_number() over (partition by list_unit order by period_end desc nulls last, file_id) as recency
        from (select distinct list_unit, file_id, period_end, period_start from core.matters)
        where period_start is null or period_start <= end_on
    ),

    matters as (
        select matters.*, status = '已完成' and done_on <= end_on as is_done
        from core.matters as matters
        join versions using (list_unit, file_id)
        where versions.recency = 1 and core.in_scope(coalesce(matters.unit_name, matters.list_unit), scope_name)
    ),

    flagged as (
        select
            *,
            [
                'matters_total',
                case when is_done then 'matters_done' end,
                case when status = '推进中' then 'matters_in_progress' end,
                case when not is_done and due_on < end_on then 'matters_overdue' end,
                case when is_done then 'matters_beneficiaries' end
            ] as metric_ids
        from matters
    )

    select
        unnest(list_filter(metric_ids, m -> m is not null)) as metric_id,
        file_id || ':' || row_number as item_id,
        coalesce(beneficiaries, 0) as amount,
        [{'path': path, 'sheet': sheet, 'row_number': row_number}] as places
    from flagged
