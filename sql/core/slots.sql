-- Table macro: one row per slot (month, quarter or year: `per`) of a rule from the one holding
-- first_on to the one holding last_on, with its first and last day.
create or replace macro core.slots(per, first_on, last_on) as table
    select slot_start::date as slot_start,
           (slot_start + to_months(core.months_per(per)) - interval 1 day)::date as slot_end
    from unnest(generate_series(date_trunc(per, first_on::date)::timestamp, last_on::timestamp,
                                to_months(core.months_per(per)))) as t(slot_start)
