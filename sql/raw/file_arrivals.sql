-- One row per (path, content) pair seen in the inbox: a copy of loaded bytes is a second arrival.
create table if not exists raw.file_arrivals (
    path        varchar not null,
    file_id     varchar not null,
    run_id      varchar,
    arrived_at  timestamp,
    primary key (path, file_id)
);
