-- Table macro: one row per (metric of what should have happened, item counted by it) for
-- [start_on, end_on] within a scope: the meeting slots owed and held (marts.meeting_compliance)
-- and the ledgers due, on time, late and missing (marts.submission_status). A slot's evidence
-- is the meetings held in it, or the register row of the unit that owed it.
create or replace macro metrics.calendar_members(start_on, end_on, scope_name := null, with_places := true) as table
    with slots as (
        -- the columns used, named: a CTE read more than once is kept whole
        select concat_ws('|', unit_name, activity_type, slot_start) as item_id, is_met, meeting_places,
               path, sheet, row_number
        from marts.meeting_compliance(start_on, end_on, scope_name := scope_name, with_places := with_places)
    ),

    ledgers as (
        select *, concat_ws('|', unit_name, source, slot_start) as item_id
        from marts.submission_status(start_on, end_on, scope_name := scope_name)
    ),

    register_places as (
        select 'meetings_required' as metric_id, item_id, [{'path': path, 'sheet': sheet, 'row_number': row_number}] as places
        from slots
        union all
        select 'meetings_missed', item_id, [{'path': path, 'sheet': sheet, 'row_number': row_number}]
        from slots where not is_met
        union all
        select 'submissions_due', item_id, [{'path': path, 'sheet': sheet, 'row_number': row_number}]
        from ledgers
        union all
        select 'submissions_missing', item_id, [{'path': path, 'sheet': sheet, 'row_number': row_number}]
        from ledgers where arrival_status = 'missing'
        union all
        select 'submissions_' || arrival_status, item_id, [{'path': received_path, 'sheet': null, 'row_number': null}]
        from ledgers where arrival_status in ('on_time', 'late')
    ),

    meeting_places as (
        select 'meetings_held' as metric_id, item_id, meeting_places as places
        from slots
        where is_met
    )

    select metric_id, item_id, 1 as amount, case when with_places then places end as places from register_places
    union all by name
    select metric_id, item_id, 1 as amount, places from meeting_places
