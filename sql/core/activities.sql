-- One row per activity held: valid rows of live files, one activity however often reported
-- (same unit, date, type and title without spaces and punctuation), with every place it came from.
-- The id, the md5 of the key, is computed last, above the grouping and its CTE: DuckDB computes
-- every column below a CTE node whether read or not, and an md5 of a million keys is most of what
-- a query that counts activities would pay for them.
select
    md5(concat_ws('|', unit_name, activity_on, activity_type, title_key)) as activity_id,
    activity_on, activity_type, winner.title, unit_name, winner.* exclude (title), lineage
from (
    with repeated_hashes as not materialized (
        -- the hashes of keys that more than one row carries: every activity reported again, and
        -- perhaps a few reported once whose key's hash another key shares (those are grouped too,
        -- by their key, and stay apart). Counting 64-bit hashes is far cheaper than grouping rows.
        -- Left to DuckDB to share between the two readers below (measured a little quicker than
        -- a CTE it is told to materialise).
        select key_hash
        from core.activity_rows
        group by key_hash
        having count(*) > 1
    ),

    reported_once as (
        -- nearly every activity: its one row is the winner and its one place, with nothing to group
        select
            unit_name,
            activity_on,
            activity_type,
            title_key,
            {
                'title': title, 'speaker': speaker, 'speaker_role': speaker_role,
                'participants': participants, 'location': location, 'mode': mode,
                'is_first_topic': is_first_topic
            } as winner,
            [{'file_id': file_id, 'path': path, 'sheet': sheet, 'row_number': row_number}] as lineage
        from core.activity_rows
        where key_hash not in (select key_hash from repeated_hashes)
    ),

    reported_again as (
        -- one group per activity: the fields of the place that wins (the latest online submission,
        -- otherwise the first place reported, by path, sheet and row) and every place, in order of
        -- path, sheet and row
        select
            unit_name,
            activity_on,
            activity_type,
            title_key,
            arg_min(
                {
                    'title': title, 'speaker': speaker, 'speaker_role': speaker_role,
                    'participants': participants, 'location': location, 'mode': mode,
                    'is_first_topic': is_first_topic
                },
                {
                    'not_submitted': submitted_at is null,
                    'later_first': -coalesce(epoch_us(submitted_at), 0),
                    'path': path, 'sheet': sheet, 'row_number': row_number
                }
            ) as winner,
            -- a struct sorts by its fields in order; sorting each list is ~9× faster than an
            -- ordered aggregate
            list_transform(
                list_sort(list({'path': path, 'sheet': sheet, 'row_number': row_number, 'file_id': file_id})),
                place -> {'file_id': place.file_id, 'path': place.path, 'sheet': place.sheet, 'row_number': place.row_number}
            ) as lineage
        from core.activity_rows
        where key_hash in (select key_hash from repeated_hashes)
        -- date, type and unit are part of the key: as group columns, a query's filter on them
        -- picks the rows before they are grouped
        group by unit_name, activity_on, activity_type, title_key
    )

    select * from reported_once
    union all
    select * from reported_again
) as activities
