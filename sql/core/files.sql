-- One row per file content seen, with its submission and whether it is the live version of it.
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
            -- a Word form is one activity, an online-form export a snapshot: each file stands alone
            when source in ('activity_form', 'online_form') then source || '|' || file_id
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

final as (
    select
        * exclude (recency),
        state = 'loaded' and recency = 1 as is_live,
        case when state = 'loaded' and recency > 1 then 'superseded' else state end as status
    from ranked
)

select * from final
