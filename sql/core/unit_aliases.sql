-- One row per name a unit is known by (its full name and each alias) → the unit.
-- materialized: table
with units as (
    select * from core.units
),

names as (
    select unit_name as alias, unit_name from units
    union
    select unnest(aliases) as alias, unit_name from units
),

final as (
    -- an alias claimed by two units resolves to neither
    select alias, any_value(unit_name) as unit_name
    from names
    group by alias
    having count(distinct unit_name) = 1
)

select * from final
