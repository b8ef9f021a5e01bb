-- One row per open data problem: a broken rule in a file that has not been replaced by a newer
-- version, with the unit to send it back to and where to look (file, sheet, row, column).
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
        problems.file_id
    from problems
    join files using (file_id)
    where files.status <> 'superseded'
)

select * from final
