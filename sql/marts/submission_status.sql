-- Table macro: one row per (unit, ledger, slot) of the submission calendar due within
-- [start_on, end_on], within a scope: when the ledger arrived and whether on time, late or
-- missing (not received by the end of the period). A ledger arrives when ingest first saw a
-- loaded file of it, or at the file's modification time when earlier (an old file loaded late);
-- a file of the unit and source whose period overlaps the slot is a ledger of it.
create or replace macro marts.submission_status(start_on, end_on, scope_name := null) as table
    with slots as (
        -- from the slot before the period's first: its ledger falls due within the period
        select rules.*, slots.*
        from raw.submission_rules as rules,
             core.slots(rules.per, start_on::date - to_months(core.months_per(rules.per)), end_on) as slots
    ),

    due as (
        select slots.*, (slots.slot_end + to_days(slots.due_day))::date as ledger_due_on
        from slots
        where (slots.slot_end + to_days(slots.due_day))::date between start_on and end_on
    ),

    owed as (
        select units.*, due.*
        from due,
             core.units_owing(due.unit_type, due.slot_start, scope_name := scope_name) as units
    ),

    arrivals as (
        select files.file_id, files.path, files.unit_name, files.source, files.period_start, files.period_end,
               least(coalesce(min(arrivals.arrived_at), files.ingested_at), files.modified_at) as received_at
        from core.files as files
        left join raw.file_arrivals as arrivals using (file_id)
        where files.state = 'loaded'
        group by files.file_id, files.path, files.unit_name, files.source, files.period_start, files.period_end,
                 files.ingested_at, files.modified_at
    ),

    received as (
        select owed.unit_name, owed.source, owed.slot_start,
               arg_min(arrivals.path, arrivals.received_at) as received_path,
               min(arrivals.received_at) as received_at
        from owed
        join arrivals
          on arrivals.unit_name = owed.unit_name
         and arrivals.source = owed.source
         and arrivals.period_start <= owed.slot_end and arrivals.period_end >= owed.slot_start
        group by owed.unit_name, owed.source, owed.slot_start
    ),

    final as (
        select owed.unit_name, owed.source, owed.per, owed.slot_start, owed.slot_end,
               core.slot_name(owed.slot_start, owed.per) as slot_name, owed.ledger_due_on,
               received.received_at, received.received_path,
               case
                   when received.received_at is null or received.received_at::date > end_on then 'missing'
                   when received.received_at::date <= owed.ledger_due_on then 'on_time'
                   else 'late'
               end as arrival_status,
               files.path, owed.sheet, owed.row_number
        from owed
        left join received using (unit_name, source, slot_start)
        join core.files as files using (file_id)
    )

    select * from final
    order by unit_name, source, slot_start
