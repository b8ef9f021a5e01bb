-- Table macro: one row per (activity metric, activity counted by it) for [start_on, end_on] and a
-- scope, with the places the activity was reported. Definitions: metrics.md, "Activities".
-- with_places := false: one row per (metric, kind of activity) instead, `times` the activities of
-- that kind and `amount` their participants: the kinds are the fields the metrics read (type,
-- first topic, speaker's role), so the counts are the same, without a row for each of a million
-- activities. With places, `times` is 1.
create or replace macro metrics.activity_members(start_on, end_on, scope_name := null, with_places := true) as table
    with activities as not materialized (
        select *
        from core.activities
        where activity_on between start_on and end_on and core.in_scope(unit_name, scope_name)
    ),

    leader_roles as (
        select list(role) as roles from core.leader_roles
    ),

    each_activity as (
        select activity_type, is_first_topic, speaker_role, activity_id as item_id, 1 as times,
               coalesce(participants, 0) as amount, lineage
        from activities
        where with_places
    ),

    each_kind as (
        select activity_type, is_first_topic, speaker_role, null as item_id, count(*) as times,
               sum(coalesce(participants, 0)) as amount, null as lineage
        from activities
        where not with_places
        group by activity_type, is_first_topic, speaker_role
    ),

    flagged as (
        select
            item_id,
            times,
            amount,
            lineage,
            [
                case when activity_type in ('集体学习', '专家辅导') then 'study_sessions' end,
                case when activity_type = '中心组学习' then 'centre_group_sessions' end,
                case when activity_type = '中心组学习' and is_first_topic then 'first_topic_sessions' end,
                case when activity_type = '集体学习' then 'collective_study_sessions' end,
                case when activity_type = '专题研讨' then 'seminars' end,
                case when activity_type = '专题读书班' then 'reading_classes' end,
                case when activity_type = '党课' then 'party_lectures' end,
                case when activity_type = '党课' and list_has_any(
                    string_split(regexp_replace(coalesce(speaker_role, ''), '[，,/ ]', '、', 'g'), '、'),
                    (select roles from leader_roles)) then 'leader_party_lectures' end,
                case when activity_type = '重温入党誓词' then 'oath_renewals' end,
                case when activity_type = '基层宣讲' then 'grassroots_talks' end,
                case when activity_type = '党风廉政专题研究' then 'integrity_studies' end,
                case when activity_type = '支委会' then 'branch_committee_meetings' end,
                case when activity_type = '支部大会' then 'branch_general_meetings' end,
                case when activity_type = '参观学习' then 'site_visits' end,
                'activities_total',
                'participants_total'
            ] as metric_ids
        from (select * from each_activity union all select * from each_kind)
    )

    select
        unnest(list_filter(metric_ids, m -> m is not null)) as metric_id,
        item_id,
        times,
        amount,
        [{'path': p.path, 'sheet': p.sheet, 'row_number': p.row_number} for p in lineage] as places
    from flagged
