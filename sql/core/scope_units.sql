-- Table macro: one row per unit inside a scope (the named unit, by name or alias, and all units
-- under it); every unit when the scope is null.
create or replace macro core.scope_units(scope_name) as table
    select tree.unit_name
    from core.unit_tree tree
    join core.unit_aliases aliases on aliases.unit_name = tree.ancestor_name
    where aliases.alias = scope_name
    union all
    select unit_name from core.units where scope_name is null
