-- One row per source row held back by at least one problem.
-- materialized: table
with problems as (
    select * from raw.problems
    where row_number is not null
),

final as (
    select distinct file_id, sheet, row_number
    from problems
)

select * from final
