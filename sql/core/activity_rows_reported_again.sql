-- One row per activity ledger row whose activity more than one row reports (in one file or in
-- several): the few rows core.activities has to group to pick a winner; every other activity is
-- its one row. Kept, so a query over a million activities groups only these.
-- materialized: table
with reported_again as (
    select unit_name, activity_on, activity_type, title_key
    from core.activity_rows
    group by all
    having count(*) > 1
),

final as (
    select rows.*
    from core.activity_rows as rows
    semi join reported_again using (unit_name, activity_on, activity_type, title_key)
)

select * from final
