-- Table macro: one row per unit of a type that existed on a day (a unit with no founding date is
-- long established), within a scope: the units a rule's slot starting that day is owed by, with
-- their register row.
create or replace macro core.units_owing(type_name, on_day, scope_name := null) as table
    select unit_name, file_id, sheet, row_number
    from core.units
    where unit_type = type_name
      and (established_on is null or established_on <= on_day)
      and core.in_scope(unit_name, scope_name)
