-- One row per file content seen, with its submission, whether it is the live version of it,
-- and when a newer version replaced it.
-- A submission is (source, unit, period); its live version is the latest by 填报日期, the version
-- named in the file name, then modification time. The register has one submission: the latest wins.
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

ranked as (
    select
        *,
        row_number() over (
            partition by submission_key, state = 'loaded'
            order by filled_on desc nulls last, version_rank desc, modified_at desc, path desc
        ) as recency
    from keyed
),

live as (
    select submission_key, ingested_at as live_since
    from ranked
    where state = 'loaded' and recency = 1
),

statuses as (
    select
        ranked.* exclude (recency),
        state = 'loaded' and recency = 1 as is_live,
        case
            when state = 'loaded' and recency > 1 then 'superseded'
            -- a refused file is replaced by a readable version of the same submission sent after it
            when state = 'refused' and live.live_since >= ranked.ingested_at then 'superseded'
            else state
        end as status,
        live.live_since
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
