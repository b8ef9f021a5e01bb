-- One row per data problem ever found: a broken rule in a row, or a file that could not be read,
-- with the unit to send it back to, where to look, and when it was first seen and closed.
-- A problem closes when a newer version of its submission replaces the file it was found in.
with problems as (
    select * from raw.problems
),

files as (
    select * from core.files
),

final as (
    select
        coalesce(files.unit_name, files.submitter, '（未知单位）') as unit_name,
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
        problems.file_id
    from problems
    join files using (file_id)
)

select * from final
