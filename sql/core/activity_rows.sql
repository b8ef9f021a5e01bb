-- One row per activity ledger row that counts (a valid row of a live file), with the unit it
-- names and the activity it reports: one activity however often reported, known by its unit,
-- date, type and title key (the title without spaces and punctuation); activity_id is their md5.
with valid as (
    select rows.*, aliases.unit_name, core.title_key(rows.title) as title_key
    from core.valid_rows('staging.stg_activity_rows') as rows
    join core.unit_aliases as aliases on aliases.alias = rows.org_unit
),

final as (
    select
        *,
        md5(concat_ws('|', unit_name, activity_on, activity_type, title_key)) as activity_id
    from valid
)

select * from final
