-- One row per role the live register marks as a leader role (领导干部).
-- materialized: table
with valid as (
    select * from core.valid_rows('staging.stg_register_roles')
),

final as (
    select distinct role
    from valid
    where is_leader
)

select * from final
