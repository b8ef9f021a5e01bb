-- Table macro: one row per unit expected to send an activity ledger that sent none covering any day
-- of [start_on, end_on], within a scope: the register's 党支部 and 机关部室, and every unit that has
-- ever sent one, with the last period it did send.
create or replace macro marts.missing_submissions(start_on, end_on, scope_name := null) as table
    with expected as (
        select unit_name from core.units where unit_type in ('党支部', '机关部室')
        union
        select unit_name from core.files where source = 'activity_ledger' and is_live and unit_name is not null
    ),

    sent as (
        select unit_name, max(period_end) filter (where period_end < start_on) as last_period_end,
               bool_or(period_start <= end_on and period_end >= start_on) as covers
        from core.files
        where source = 'activity_ledger' and is_live
        group by unit_name
    )

    select expected.unit_name, units.unit_type, sent.last_period_end
    from expected
    left join core.units as units using (unit_name)
    left join sent using (unit_name)
    where not coalesce(sent.covers, false)
      and expected.unit_name in (select unit_name from core.scope_units(scope_name))
