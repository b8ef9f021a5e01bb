-- One row per step of a person's path into the Party (入党积极分子, 发展对象). Personal data:
-- names and phone numbers are masked in the analyst copy.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.development_rows')
),

final as (
    select
        rows.file_id,
        rows.sheet,
        rows.row_number,
        rows.path,
        coalesce(aliases.unit_name, rows.file_unit) as unit_name,
        rows.person_name,
        rows.phone,
        rows.stage,
        rows.decided_on
    from rows
    left join core.unit_aliases as aliases on aliases.alias = rows.branch
)

select * from final
