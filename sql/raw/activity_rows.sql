-- One row per data row of an activity ledger sheet, as read: typed values beside the original text.
create table if not exists raw.activity_rows (
    file_id                 varchar not null,
    sheet                   varchar not null,
    row_number              integer not null,
    activity_on             date,
    activity_on_raw         varchar,
    activity_type           varchar,   -- canonical type after synonyms; unknown types kept as written
    activity_type_raw       varchar,
    title                   varchar,
    org_unit                varchar,
    speaker                 varchar,
    speaker_role            varchar,
    participants            bigint,
    participants_raw        varchar,
    participants_is_approx  boolean,   -- written as 约30 / 30余
    location                varchar,
    mode                    varchar,
    first_topic             boolean,
    first_topic_raw         varchar,
    notes                   varchar
);
comment on table raw.activity_rows is '活动台账原始行 / Activity ledger rows as read, valid or not';
