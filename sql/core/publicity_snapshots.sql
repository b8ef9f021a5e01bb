-- One row per item (platform, publish date, title) in one export: exports are snapshots, and the
-- same item appears again in later exports with a higher read count.
-- materialized: table
with rows as (
    select * from core.valid_rows('raw.publicity_rows')
),

final as (
    select
        file_id,
        sheet,
        row_number,
        path,
        md5(concat_ws('|', coalesce(platform, ''), published_on,
            core.title_key(title))) as item_id,
        platform,
        published_on,
        title,
        column_name,
        content_type,
        reads,
        nullif(trim(coalesce(picked_up_by, '')), '') as picked_up_by,
        snapshot_on
    from rows
)

select * from final
