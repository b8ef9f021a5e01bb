-- Table macro: one row per (publicity metric, item counted by it) for items published in
-- [start_on, end_on]: each item once, with its read count from the latest export taken on or
-- before end_on. Publicity belongs to the whole organisation: a unit scope has none.
create or replace macro metrics.publicity_members(start_on, end_on, scope_name := null, with_places := true) as table
    with latest as (
        select * exclude (recency)
        from (
            select *, row_number() over (partition by item_id order by snapshot_on desc, file_id) as recency
            from core.publicity_snapshots
            where snapshot_on <= end_on and published_on between start_on and end_on
        )
        where recency = 1 and scope_name is null
    ),

    flagged as (
        select
            *,
            column_name in (select column_name from metrics.party_history_columns) as is_history,
            column_name = '疫情防控' as is_epidemic
        from latest
    ),

    listed as (
        select
            *,
            [
                case when is_history and content_type = '图文' then 'history_articles' end,
                case when is_history and content_type = '短视频' then 'history_videos' end,
                case when is_history then 'history_reads' end,
                case when is_epidemic and content_type = '图文' then 'epidemic_articles' end,
                case when is_epidemic and content_type = '短视频' then 'epidemic_videos' end,
                case when is_epidemic then 'epidemic_reads' end,
                case when picked_up_by is not null then 'media_pickups' end
            ] as metric_ids
        from flagged
    )

    select
        unnest(list_filter(metric_ids, m -> m is not null)) as metric_id,
        item_id,
        coalesce(reads, 0) as amount,
        case when with_places then [{'path': path, 'sheet': sheet, 'row_number': row_number}] end as places
    from listed
