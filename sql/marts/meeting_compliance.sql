-- Table macro: one row per (unit, meeting rule, slot) owed in a slot overlapping [start_on, end_on],
-- within a scope: the meetings of the rule's type the unit held in the slot (0 = 应开未开), with
-- the activities behind them and the rows they come from (meeting_places). A slot is owed by a
-- unit of the rule's type that existed on its first day (a unit with no founding date is long
-- established); rules: raw.meeting_rules. with_places := false leaves the evidence out
-- (activity_ids and meeting_places empty), for a query that only counts: listing a million
-- activities' places and ids is most of what it costs.
create or replace macro marts.meeting_compliance(start_on, end_on, scope_name := null, with_places := true) as table
    with slots as (
        select rules.*, slots.*
        from raw.meeting_rules as rules,
             core.slots(rules.per, start_on, end_on) as slots
    ),

    owed as (
        select units.*, slots.*
        from slots,
             core.units_owing(slots.unit_type, slots.slot_start, scope_name := scope_name) as units
    ),

    meetings as (
        -- the activities of a type some rule counts, picked before they are joined to the slots;
        -- their ids (an md5 each) and places only when asked
        select activity_on, activity_type, unit_name,
               case when with_places then activity_id end as activity_id,
               case when with_places then lineage end as lineage
        from core.activities
        where activity_type in (select activity_type from raw.meeting_rules)
    ),

    held as (
        select owed.unit_name, owed.activity_type, owed.slot_start,
               -- the activity's date counts it: its id, an md5, is computed only for the lists
               count(activities.activity_on) as meetings,
               case when with_places then
                   list(activities.activity_id order by activities.activity_on, activities.activity_id)
                       filter (where activities.activity_id is not null)
               end as activity_ids,
               case when with_places then
                   flatten(list([{'path': p.path, 'sheet': p.sheet, 'row_number': p.row_number} for p in activities.lineage])
                       filter (where activities.activity_id is not null))
               end as meeting_places
        from owed
        left join meetings as activities
          on activities.unit_name = owed.unit_name
         and activities.activity_type = owed.activity_type
         and activities.activity_on between owed.slot_start and owed.slot_end
        group by owed.unit_name, owed.activity_type, owed.slot_start
    ),

    final as (
        select owed.unit_name, owed.activity_type, owed.per, owed.slot_start, owed.slot_end,
               core.slot_name(owed.slot_start, owed.per) as slot_name, owed.at_least,
               held.meetings, held.meetings >= owed.at_least as is_met,
               coalesce(held.activity_ids, []) as activity_ids,
               coalesce(held.meeting_places, []) as meeting_places,
               files.path, owed.sheet, owed.row_number
        from owed
        join held using (unit_name, activity_type, slot_start)
        join core.files as files using (file_id)
    )

    select * from final
    order by unit_name, activity_type, slot_start
