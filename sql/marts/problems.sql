-- One row per data problem ever found: a broken rule in a row, or a file that could not be read,
-- with the unit to send it back to, where to look, and when it was first seen and closed.
-- A problem closes when a newer version of its submission replaces the file it was found in.
-- A row of an online-form export names its own unit: its problem goes back to that unit.
with problems as (
    select * from raw.problems
),

files as (
    select * from core.files
),

form_row_units as (
    select rows.file_id, rows.sheet, rows.row_number, coalesce(aliases.unit_name, rows.org_unit) as unit_name
    from staging.stg_activity_rows as rows
    join files on files.file_id = rows.file_id and files.source = 'online_form'
    left join core.unit_aliases as aliases on aliases.alias = rows.org_unit
    where rows.org_unit is not null
),

final as (
    select
        coalesce(form_row_units.unit_name, files.unit_name, files.submitter, '（未知单位）') as unit_name,
        files.path,
        problems.sheet,
        problems.row_number,
        problems.column_letter,
        problems.field,
        problems.rule,
        problems.value,
        problems.reason,
        problems.first_seen_at,
        files.replaced_at as closed_at,
        files.replaced_at is null as is_open,
        problems.file_id,
        files.source
    from problems
    join files using (file_id)
    left join form_row_units using (file_id, sheet, row_number)
)

select * from final
