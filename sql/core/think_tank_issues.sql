-- One row per issue of 《智库决策参考》 reported, with the unit that keeps the ledger.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.think_tank_rows')
),

final as (
    select file_id, sheet, row_number, path, file_unit as unit_name, issue_no, title, submitted_on, instructed_by
    from rows
)

select * from final
