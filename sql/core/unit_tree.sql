-- One row per (unit, unit at or under it): the scope of a unit is itself and everything below.
-- materialized: table
with recursive tree(ancestor_name, unit_name, depth) as (
    select unit_name, unit_name, 0 from core.units
    union all
    select tree.ancestor_name, child.unit_name, tree.depth + 1
    from tree
    join core.unit_aliases parent_alias on true
    join core.units child on child.parent_name = parent_alias.alias
    where parent_alias.unit_name = tree.unit_name and tree.depth < 20
)

select distinct ancestor_name, unit_name from tree
