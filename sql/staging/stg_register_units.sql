-- One row per unit row of a register file, aliases split into a list.
-- materialized: table
with source as (
    select * from raw.register_units
),

renamed as (
    select
        file_id,
        sheet,
        row_number,
        unit_name,
        list_filter(
            list_transform(string_split(regexp_replace(coalesce(aliases, ''), '[,，;；/]', '、', 'g'), '、'), a -> trim(a)),
            a -> a <> ''
        ) as aliases,
        unit_type,
        parent_name,
        established_on,
        member_count
    from source
)

select * from renamed
