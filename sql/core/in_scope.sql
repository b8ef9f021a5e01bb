-- Scalar macro: whether a unit is inside a scope (always, for the whole organisation).
create or replace macro core.in_scope(unit, scope_name) as
    scope_name is null or unit in (select unit_name from core.scope_units(scope_name))
