-- One row per metric of ../shared/spec/metrics.md: its id, its Chinese label and its measure word.
with catalogue(metric_id, label, measure, source) as (
    values
        ('study_sessions',            '各类学习',                 '次',   'activities'),
        ('centre_group_sessions',     '党组理论学习中心组学习',   '次',   'activities'),
        ('first_topic_sessions',      '“第一议题”学习',           '次',   'activities'),
        ('collective_study_sessions', '集体学习',                 '次',   'activities'),
        ('seminars',                  '专题研讨',                 '次',   'activities'),
        ('reading_classes',           '专题读书班',               '期',   'activities'),
        ('party_lectures',            '党课宣讲',                 '次',   'activities'),
        ('leader_party_lectures',     '领导干部讲党课',           '次',   'activities'),
        ('oath_renewals',             '重温入党誓词',             '场次', 'activities'),
        ('grassroots_talks',          '基层宣讲',                 '场次', 'activities'),
        ('integrity_studies',         '专题研究部署党风廉政建设', '次',   'activities'),
        ('branch_committee_meetings', '支委会会议',               '次',   'activities'),
        ('branch_general_meetings',   '支部大会',                 '次',   'activities'),
        ('site_visits',               '参观学习',                 '次',   'activities'),
        ('activities_total',          '各类活动',                 '次',   'activities'),
        ('participants_total',        '参加人次',                 '人次', 'activities')
)

select * from catalogue
