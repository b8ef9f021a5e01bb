-- One row per role the live register marks as a leader role (领导干部).
with roles as (
    select * from staging.stg_register_roles
),

live_files as (
    select file_id from core.files where is_live and source = 'unit_register'
),

final as (
    select distinct roles.role
    from roles
    join live_files using (file_id)
    anti join core.quarantined_rows q using (file_id, sheet, row_number)
    where roles.is_leader
)

select * from final
