-- One row per activity key (unit, date, type, title key) that more than one activity row
-- carries: the activities reported again. core.activities groups only their rows; every other
-- activity is its one row. Kept, because finding them in every query had cost a third of the
-- year's metric values at a million rows; recomputing it with each change costs ≈ 0.1 s there.
-- materialized: table
with keys as (
    select unit_name, activity_on, activity_type, title_key
    from core.activity_rows
),

repeated_hashes as (
    -- counting 64-bit hashes is far cheaper than grouping the keys; keys that only share a
    -- hash are told apart below (the hash is used here only, never stored)
    select hash(unit_name, activity_on, activity_type, title_key) as key_hash
    from keys
    group by key_hash
    having count(*) > 1
),

final as (
    select unit_name, activity_on, activity_type, title_key
    from keys
    where hash(unit_name, activity_on, activity_type, title_key) in (select key_hash from repeated_hashes)
    group by all
    having count(*) > 1
)

select * from final
