-- One row per role row of a register file.
-- materialized: table
with source as (
    select * from raw.register_roles
),

renamed as (
    select
        file_id,
        sheet,
        row_number,
        role,
        coalesce(is_leader, false) as is_leader
    from source
)

select * from renamed
