-- One row per activity held: valid rows of live files, one activity however often reported
-- (same unit, date, type and title without spaces and punctuation), with every place it came from.
with reported_once as (
    -- nearly every activity (no other row carries its key): its one row is the winner and its
    -- one place, with nothing to group; activity_id, an md5, is computed only when a query
    -- reads it. NOT IN builds its hash table on the few keys repeated, not on the million rows
    -- (valid rows have every part of the key: validation requires them)
    select
        activity_id,
        activity_on,
        activity_type,
        unit_name,
        {
            'title': title, 'speaker': speaker, 'speaker_role': speaker_role,
            'participants': participants, 'location': location, 'mode': mode,
            'is_first_topic': is_first_topic
        } as winner,
        [{'file_id': file_id, 'path': path, 'sheet': sheet, 'row_number': row_number}] as lineage
    from core.activity_rows
    where {'unit_name': unit_name, 'activity_on': activity_on, 'activity_type': activity_type, 'title_key': title_key}
        not in (select {'unit_name': unit_name, 'activity_on': activity_on, 'activity_type': activity_type, 'title_key': title_key} from core.activity_keys_repeated)
),

reported_again as (
    -- one group per activity: the fields of the place that wins (the latest online submission,
    -- otherwise the first place reported, by path, sheet and row) and every place, in order of
    -- path, sheet and row
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
    from core.activity_rows
    where {'unit_name': unit_name, 'activity_on': activity_on, 'activity_type': activity_type, 'title_key': title_key}
        in (select {'unit_name': unit_name, 'activity_on': activity_on, 'activity_type': activity_type, 'title_key': title_key} from core.activity_keys_repeated)
    -- date, type and unit are part of the key: as group columns, a query's filter on them
    -- picks the rows before they are grouped
    group by activity_id, activity_on, activity_type, unit_name
),

activities as (
    select * from reported_once
    union all
    select * from reported_again
),

final as (
    select activity_id, activity_on, activity_type, winner.title, unit_name, winner.* exclude (title), lineage
    from activities
)

select * from final
