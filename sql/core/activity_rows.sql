-- One row per activity ledger row that counts (a valid row of a live file), with the unit it
-- names and the activity it reports: one activity however often reported, known by its unit,
-- date, type and title key (the title without spaces and punctuation); key_hash is their 64-bit
-- hash (DuckDB's `hash`, for comparing within a query: never stored). core.activities gives each
-- activity its id, the md5 of the same key.
with valid as (
    select rows.*, aliases.unit_name, core.title_key(rows.title) as title_key
    from core.valid_rows('staging.stg_activity_rows') as rows
    join core.unit_aliases as aliases on aliases.alias = rows.org_unit
),

final as (
    select
        *,
        hash(unit_name, activity_on, activity_type, title_key) as key_hash
    from valid
)

select * from final
