-- One row per activity held: valid rows of live files, one activity however often reported
-- (same unit, date, type and title without spaces and punctuation), with every place it came from.
with valid as (
    select rows.*, aliases.unit_name
    from core.valid_rows('staging.stg_activity_rows') as rows
    join core.unit_aliases as aliases on aliases.alias = rows.org_unit
),

keyed as (
    select
        *,
        md5(concat_ws('|', unit_name, activity_on, activity_type,
            core.title_key(title))) as activity_id
    from valid
),

activities as (
    -- one group per activity: the fields of the place that wins (the latest online submission,
    -- otherwise the first place reported, by path, sheet and row) and every place, in order of
    -- path, sheet and row. One aggregation: a window to rank the places and a join back to their
    -- lists had cost ~2.5× as much over a million activities.
    -- Date, type and unit are part of the activity's key, so they are group columns too: a
    -- query that asks for a month, a type or a unit then picks its rows before they are grouped
    -- (DuckDB pushes such a filter below the grouping), not after all million are.
    select
        activity_id,
        activity_on,
        activity_type,
        unit_name,
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
    from keyed
    group by activity_id, activity_on, activity_type, unit_name
),

final as (
    select activity_id, activity_on, activity_type, winner.title, unit_name, winner.* exclude (title), lineage
    from activities
)

select * from final
