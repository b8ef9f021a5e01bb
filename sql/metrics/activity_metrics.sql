-- Table macro: one row per activity metric (metric_id, value) for a period [start_on, end_on]
-- and a scope (a unit and the units under it; null for the whole organisation).
-- Definitions: ../shared/spec/metrics.md, "Activities (Sources 1–3)".
create or replace macro metrics.activity_metrics(start_on, end_on, scope_name := null) as table
    with activities as (
        select *
        from core.activities
        where activity_on between start_on and end_on
          and unit_name in (select unit_name from core.scope_units(scope_name))
    ),

    leader_roles as (
        select list(role) as roles from core.leader_roles
    ),

    counts as (
        select
            count(*) filter (where activity_type in ('集体学习', '专家辅导'))            as study_sessions,
            count(*) filter (where activity_type = '中心组学习')                         as centre_group_sessions,
            count(*) filter (where activity_type = '中心组学习' and is_first_topic)      as first_topic_sessions,
            count(*) filter (where activity_type = '集体学习')                           as collective_study_sessions,
            count(*) filter (where activity_type = '专题研讨')                           as seminars,
            count(*) filter (where activity_type = '专题读书班')                         as reading_classes,
            count(*) filter (where activity_type = '党课')                               as party_lectures,
            count(*) filter (
                where activity_type = '党课'
                  and list_has_any(string_split(regexp_replace(coalesce(speaker_role, ''), '[，,/ ]', '、', 'g'), '、'),
                                   (select roles from leader_roles))
            )                                                                           as leader_party_lectures,
            count(*) filter (where activity_type = '重温入党誓词')                       as oath_renewals,
            count(*) filter (where activity_type = '基层宣讲')                           as grassroots_talks,
            count(*) filter (where activity_type = '党风廉政专题研究')                   as integrity_studies,
            count(*) filter (where activity_type = '支委会')                             as branch_committee_meetings,
            count(*) filter (where activity_type = '支部大会')                           as branch_general_meetings,
            count(*) filter (where activity_type = '参观学习')                           as site_visits,
            count(*)                                                                    as activities_total,
            coalesce(sum(participants), 0)::bigint                                      as participants_total
        from activities
    )

    unpivot counts on columns(*) into name metric_id value value
