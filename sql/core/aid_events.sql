-- One row per visit, donation or aid record that counts, its context reduced to a key without
-- quotes and dots so that “三·五”基层工作日 and 三五基层工作日 are the same context.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.aid_rows')
),

final as (
    select
        rows.file_id,
        rows.sheet,
        rows.row_number,
        rows.path,
        rows.event_on,
        rows.kind,
        rows.recipient,
        rows.households,
        rows.amount_yuan,
        rows.item,
        rows.quantity,
        rows.item_unit,
        rows.item_value_yuan,
        coalesce(aliases.unit_name, rows.file_unit) as unit_name,
        rows.place,
        rows.context,
        core.title_key(coalesce(rows.context, '')) as context_key
    from rows
    left join core.unit_aliases as aliases on aliases.alias = rows.org_unit
)

select * from final
