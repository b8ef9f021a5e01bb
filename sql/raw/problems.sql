-- One row per broken rule: a bad cell of a row, or a whole file that could not be read.
create table if not exists raw.problems (
    file_id        varchar not null,
    sheet          varchar,           -- null for a file-level problem
    row_number     integer,           -- the row Excel shows; null for a file-level problem
    column_letter  varchar,
    field          varchar,
    rule           varchar not null,  -- the expectation's rule name, or file_refused
    value          varchar,           -- the original cell text
    reason         varchar not null,  -- plain Chinese, for whoever must fix it
    run_id         varchar,
    first_seen_at  timestamp
);
