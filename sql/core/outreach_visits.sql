-- One row per exhibition visit (社科普及进校园): a school or venue on a date, and its audience.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.outreach_rows')
),

final as (
    select file_id, sheet, row_number, path, file_unit as unit_name, visited_on, venue, audience
    from rows
)

select * from final
