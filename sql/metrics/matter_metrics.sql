-- Table macro: one row per practical-matters metric (metric_id, value) as of [start_on, end_on]:
-- each unit's latest list sent for a period starting on or before end_on.
create or replace macro metrics.matter_metrics(start_on, end_on, scope_name := null) as table
    with versions as (
        select list_unit, file_id,
               row_number() over (partition by list_unit order by period_end desc nulls last, file_id) as recency
        from (select distinct list_unit, file_id, period_end, period_start from core.matters)
        where period_start is null or period_start <= end_on
    ),

    matters as (
        select matters.*
        from core.matters as matters
        join versions using (list_unit, file_id)
        where versions.recency = 1 and core.in_scope(coalesce(matters.unit_name, matters.list_unit), scope_name)
    ),

    counts as (
        select
            count(*)                                                                        as matters_total,
            count(*) filter (where status = '已完成' and done_on <= end_on)                 as matters_done,
            count(*) filter (where status = '推进中')                                       as matters_in_progress,
            count(*) filter (where not (status = '已完成' and done_on <= end_on) and due_on < end_on)
                                                                                            as matters_overdue,
            coalesce(sum(beneficiaries) filter (where status = '已完成' and done_on <= end_on), 0)::bigint
                                                                                            as matters_beneficiaries
        from matters
    )

    unpivot counts on columns(*) into name metric_id value value
