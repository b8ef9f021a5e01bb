-- One row per file content seen, with its submission, whether it is the live version of it,
-- and when a newer version replaced it.
-- A submission is (source, unit, period). Bytes that a later arrival at the same path replaced
-- (a file copied over, a half-copied file completed) lose to it, whatever their dates say: a
-- copy with `cp -p` keeps an old modification time. Otherwise the live version is the latest by
-- 填报日期, the version named in the file name, then modification time. The register has one
-- submission: the latest wins. A refused file is replaced by a readable version of its
-- submission sent after it, or by any later file at its path.
-- materialized: table
with files as (
    select * from raw.files
),

keyed as (
    select
        *,
        case
            when source = 'unit_register' then source
            -- a Word form is one activity, an export a snapshot: each file stands alone
            when source in ('activity_form', 'online_form', 'publicity_log') then source || '|' || file_id
            when period_label is null or coalesce(unit_name, submitter) is null then source || '|' || file_id
            else source || '|' || coalesce(unit_name, submitter) || '|' || period_label
        end as submission_key
    from files
),

arrivals as (
    select path, file_id, min(arrived_at) as arrived_at
    from raw.file_arrivals
    group by path, file_id
),

keyed_arrivals as (
    select arrivals.*, keyed.submission_key, keyed.state
    from arrivals join keyed using (file_id)
),

overwritten as (
    -- per file, the first time other bytes arrived at a path after it, for every path it came by
    -- (bytes still in place under another path are not overwritten); only the file's own
    -- submission counts when it was loaded, any file when it was refused
    select mine.file_id, max(later.overwritten_at) as overwritten_at,
           bool_and(later.overwritten_at is not null) as is_overwritten
    from keyed_arrivals as mine
    left join (
        -- an inner join on the path, so that it is a hash join (a left join with these
        -- conditions compares every arrival with every other)
        select mine.path, mine.file_id, max(later.arrived_at) as overwritten_at
        from keyed_arrivals as mine
        join keyed_arrivals as later
          on later.path = mine.path and later.file_id <> mine.file_id and later.arrived_at > mine.arrived_at
        where mine.state = 'refused' or later.submission_key = mine.submission_key
        group by mine.path, mine.file_id
    ) as later using (path, file_id)
    group by mine.file_id
),

ranked as (
    select
        keyed.*,
        coalesce(overwritten.is_overwritten, false) as is_overwritten,
        overwritten.overwritten_at,
        row_number() over (
            partition by submission_key, state = 'loaded'
            order by coalesce(overwritten.is_overwritten, false), filled_on desc nulls last, version_rank desc,
                     modified_at desc, path desc
        ) as recency
    from keyed
    left join overwritten using (file_id)
),

live as (
    select submission_key, ingested_at as live_since
    from ranked
    where state = 'loaded' and recency = 1
),

statuses as (
    select
        ranked.* exclude (recency, is_overwritten, overwritten_at),
        state = 'loaded' and recency = 1 and not is_overwritten as is_live,
        case
            when state = 'loaded' and (recency > 1 or is_overwritten) then 'superseded'
            when state = 'refused' and is_overwritten then 'superseded'
            -- a refused file is replaced by a readable version of the same submission sent after it
            when state = 'refused' and live.live_since >= ranked.ingested_at then 'superseded'
            else state
        end as status,
        case when state = 'refused' and is_overwritten then overwritten_at else live.live_since end as live_since
    from ranked
    left join live using (submission_key)
),

final as (
    select
        * exclude (live_since),
        case when status = 'superseded' then greatest(live_since, ingested_at) end as replaced_at
    from statuses
)

select * from final
