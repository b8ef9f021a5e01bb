-- One row per activity held: valid rows of live files, one activity however often reported
-- (same unit, date, type and title without spaces and punctuation), with every place it came from.
with rows as (
    select * from staging.stg_activity_rows
),

live_files as (
    select file_id, path from core.files
    where is_live and source in ('activity_ledger', 'activity_form', 'online_form')
),

valid as (
    select rows.*, live_files.path, aliases.unit_name
    from rows
    join live_files using (file_id)
    join core.unit_aliases aliases on aliases.alias = rows.org_unit
    anti join core.quarantined_rows q using (file_id, sheet, row_number)
),

keyed as (
    select
        *,
        md5(concat_ws('|', unit_name, activity_on, activity_type,
            regexp_replace(title, '[\s\p{P}\p{S}]', '', 'g'))) as activity_id
    from valid
),

first_report as (
    select * exclude (place)
    from (
        select *, row_number() over (
            -- the latest online submission of an activity wins, otherwise the first place reported
            partition by activity_id order by submitted_at desc nulls last, path, sheet, row_number
        ) as place
        from keyed
    )
    where place = 1
),

lineage as (
    select
        activity_id,
        -- in order of path, sheet, row (a struct sorts by its fields in order; sorting each
        -- list is ~9× faster than an ordered aggregate over a million activities)
        list_transform(
            list_sort(list({'path': path, 'sheet': sheet, 'row_number': row_number, 'file_id': file_id})),
            place -> {'file_id': place.file_id, 'path': place.path, 'sheet': place.sheet, 'row_number': place.row_number}
        ) as lineage
    from keyed
    group by activity_id
),

final as (
    select
        first_report.activity_id,
        first_report.activity_on,
        first_report.activity_type,
        first_report.title,
        first_report.unit_name,
        first_report.speaker,
        first_report.speaker_role,
        first_report.participants,
        first_report.location,
        first_report.mode,
        first_report.is_first_topic,
        lineage.lineage
    from first_report
    join lineage using (activity_id)
)

select * from final
