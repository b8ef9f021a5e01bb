-- One row per handing-out of a reading material (学习参考材料): a title, how many, when.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.reading_rows')
),

final as (
    select file_id, sheet, row_number, path, file_unit as unit_name, book_title, quantity, handed_out_on
    from rows
)

select * from final
