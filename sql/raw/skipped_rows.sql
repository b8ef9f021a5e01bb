-- One row per sheet row under a header that is not data (blank, 合计, 备注/填表说明).
create table if not exists raw.skipped_rows (
    file_id     varchar not null,
    sheet       varchar not null,
    row_number  integer not null,
    reason      varchar not null   -- blank | total | note
);
