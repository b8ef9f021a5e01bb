-- Table macro: one row per metric of the register and the other ledgers (metric_id, value) for
-- [start_on, end_on] within a scope. A branch with no founding date counts as long established.
create or replace macro metrics.other_metrics(start_on, end_on, scope_name := null) as table
    with branches as (
        select * from core.units
        where unit_type = '党支部' and core.in_scope(unit_name, scope_name)
    ),

    counts as (
        select
            (select count(*) from branches where established_on is null or established_on <= end_on)
                as branches,
            (select count(*) from branches where established_on between start_on and end_on)
                as new_branches,
            (select count(distinct issue_no) from core.think_tank_issues
              where submitted_on between start_on and end_on and core.in_scope(unit_name, scope_name))
                as think_tank_issues,
            (select count(distinct venue) from core.outreach_visits
              where visited_on between start_on and end_on and core.in_scope(unit_name, scope_name))
                as outreach_schools,
            (select coalesce(sum(audience), 0)::bigint from core.outreach_visits
              where visited_on between start_on and end_on and core.in_scope(unit_name, scope_name))
                as outreach_audience,
            (select count(distinct person_name) from core.party_development
              where stage = '入党积极分子' and decided_on between start_on and end_on
                and core.in_scope(unit_name, scope_name))
                as activists_developed,
            (select count(distinct book_title) from core.reading_handouts
              where handed_out_on between start_on and end_on and core.in_scope(unit_name, scope_name))
                as reading_titles
    )

    unpivot counts on columns(*) into name metric_id value value
