-- One row per unit of the live register: the organisations every other source reports against.
with units as (
    select * from staging.stg_register_units
),

live_files as (
    select file_id from core.files where is_live and source = 'unit_register'
),

valid as (
    select units.*
    from units
    join live_files using (file_id)
    anti join core.quarantined_rows q using (file_id, sheet, row_number)
),

final as (
    select unit_name, aliases, unit_type, parent_name, established_on, member_count,
           file_id, sheet, row_number
    from valid
)

select * from final
