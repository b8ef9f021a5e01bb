-- Table macro: one row per (practical-matters metric, matter counted by it) as of [start_on, end_on]:
-- each unit's latest list sent for a period starting on or before end_on (core.latest_matters).
create or replace macro metrics.matter_members(start_on, end_on, scope_name := null, with_places := true) as table
    with matters as (
        select * from core.latest_matters(end_on, scope_name := scope_name)
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
        case when with_places then [{'path': path, 'sheet': sheet, 'row_number': row_number}] end as places
    from flagged
