-- One row per unit of the live register: the organisations every other source reports against.
-- materialized: table
with valid as (
    select * from core.valid_rows('staging.stg_register_units')
),

final as (
    select unit_name, aliases, unit_type, parent_name, established_on, member_count,
           file_id, sheet, row_number
    from valid
)

select * from final
