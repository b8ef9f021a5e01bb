-- One row per distinct file content (sha256) ingest has seen: what it was and what became of it.
create table if not exists raw.files (
    file_id       varchar primary key,  -- sha256 of the bytes
    path          varchar not null,     -- the path that first brought these bytes (inbox-relative)
    file_name     varchar not null,
    size_bytes    bigint,
    modified_at   timestamp,
    source        varchar,              -- activity_ledger | unit_register | … (null: not recognised)
    submitter     varchar,              -- the sending unit as written (填报单位, unit column or file name)
    unit_name     varchar,              -- submitter resolved in the register at load time
    period_label  varchar,              -- 2021-03 | 2021-Q1 | 2021
    period_start  date,
    period_end    date,
    filled_on     date,                 -- 填报日期 from the title rows
    exported_on   date,                 -- 导出时间 of a platform export (title rows or file name)
    file_format   varchar,              -- what the bytes are: xlsx | xls | csv | docx
    notes         varchar,              -- how it was read: hidden sheets skipped, misleading extension …
    version_rank  integer,              -- 1 plain, vN → N, 修改版 → 2, 最终版 → 99
    rows_read     integer,
    state         varchar not null,     -- loaded | refused
    reason        varchar,              -- why refused, in plain Chinese
    run_id        varchar,
    ingested_at   timestamp,
    refusal_kind  varchar,              -- why refused, from a fixed list (flows/extract/refusals.py REFUSAL_KINDS)
    service       varchar,              -- whose export it is: wjx | tencent_wj | wechat_mp (null: a unit's own file)
    export_kind   varchar               -- answers_by_text | answers_by_number | content_detail
);
alter table raw.files add column if not exists refusal_kind varchar;  -- warehouses made before it
alter table raw.files add column if not exists service varchar;
alter table raw.files add column if not exists export_kind varchar;
