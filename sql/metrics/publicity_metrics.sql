-- Table macro: one row per publicity metric (metric_id, value) for items published in
-- [start_on, end_on], each item counted once with its read count from the latest export taken
-- on or before end_on. Publicity belongs to the whole organisation: a unit scope has none.
create or replace macro metrics.publicity_metrics(start_on, end_on, scope_name := null) as table
    with latest as (
        select * exclude (recency)
        from (
            select *, row_number() over (partition by item_id order by snapshot_on desc, file_id) as recency
            from core.publicity_snapshots
            where snapshot_on <= end_on and published_on between start_on and end_on
        )
        where recency = 1 and scope_name is null
    ),

    items as (
        select
            *,
            column_name in (select column_name from metrics.party_history_columns) as is_party_history,
            column_name = '疫情防控' as is_epidemic
        from latest
    ),

    counts as (
        select
            count(*) filter (where is_party_history and content_type = '图文')             as history_articles,
            count(*) filter (where is_party_history and content_type = '短视频')           as history_videos,
            coalesce(sum(reads) filter (where is_party_history), 0)::bigint                as history_reads,
            count(*) filter (where is_epidemic and content_type = '图文')                  as epidemic_articles,
            count(*) filter (where is_epidemic and content_type = '短视频')                as epidemic_videos,
            coalesce(sum(reads) filter (where is_epidemic), 0)::bigint                     as epidemic_reads,
            count(*) filter (where picked_up_by is not null)                               as media_pickups
        from items
    )

    unpivot counts on columns(*) into name metric_id value value
