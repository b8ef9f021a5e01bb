-- Table macro: one row per (metric of the register and other ledgers, item counted by it) for
-- [start_on, end_on] within a scope. A branch with no founding date counts as long established;
-- distinct schools, people and titles are items, so each counts once.
create or replace macro metrics.other_members(start_on, end_on, scope_name := null, with_places := true) as table
    with members(metric_id, item_id, amount, path, sheet, row_number) as (
        select 'branches', units.unit_name, 1, files.path, units.sheet, units.row_number
        from core.units as units join core.files as files using (file_id)
        where units.unit_type = '党支部' and (units.established_on is null or units.established_on <= end_on)
          and core.in_scope(units.unit_name, scope_name)
        union all
        select 'new_branches', units.unit_name, 1, files.path, units.sheet, units.row_number
        from core.units as units join core.files as files using (file_id)
        where units.unit_type = '党支部' and units.established_on between start_on and end_on
          and core.in_scope(units.unit_name, scope_name)
        union all
        select 'think_tank_issues', issue_no, 1, path, sheet, row_number from core.think_tank_issues
        where submitted_on between start_on and end_on and core.in_scope(unit_name, scope_name)
        union all
        select 'outreach_schools', venue, 1, path, sheet, row_number from core.outreach_visits
        where visited_on between start_on and end_on and core.in_scope(unit_name, scope_name)
        union all
        select 'outreach_audience', file_id || ':' || row_number, audience, path, sheet, row_number
        from core.outreach_visits
        where visited_on between start_on and end_on and core.in_scope(unit_name, scope_name)
        union all
        select 'activists_developed', person_name, 1, path, sheet, row_number from core.party_development
        where stage = '入党积极分子' and decided_on between start_on and end_on and core.in_scope(unit_name, scope_name)
        union all
        select 'reading_titles', book_title, 1, path, sheet, row_number from core.reading_handouts
        where handed_out_on between start_on and end_on and core.in_scope(unit_name, scope_name)
    )

    select metric_id, item_id, coalesce(amount, 0) as amount,
           case when with_places then [{'path': path, 'sheet': sheet, 'row_number': row_number}] end as places
    from members
