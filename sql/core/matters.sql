-- One row per practical matter (办实事) in one version of a unit's list; the list is cumulative,
-- so each monthly version restates every matter and the metrics pick the latest version in time.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.matter_rows')
),

final as (
    select
        rows.file_id,
        rows.sheet,
        rows.row_number,
        rows.path,
        coalesce(rows.file_unit, aliases.unit_name) as list_unit,
        aliases.unit_name,
        rows.period_start,
        rows.period_end,
        rows.matter,
        rows.category,
        rows.status,
        rows.due_on,
        rows.done_on,
        rows.beneficiaries
    from rows
    left join core.unit_aliases as aliases on aliases.alias = rows.org_unit
)

select * from final
