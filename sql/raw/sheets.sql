-- One row per sheet of a file: what it was recognised as, or why it was not read.
create table if not exists raw.sheets (
    file_id     varchar not null,
    sheet       varchar not null,
    state       varchar not null,  -- read | hidden | empty | unrecognised
    contract    varchar,           -- activity_ledger | register_units | register_roles
    header_row  integer,
    columns     json,              -- field → column letter
    rows_read   integer,
    primary key (file_id, sheet)
);
