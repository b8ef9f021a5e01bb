-- One row per role listed on the 领导职务 sheet of a unit register file.
create table if not exists raw.register_roles (
    file_id        varchar not null,
    sheet          varchar not null,
    row_number     integer not null,
    role           varchar,
    is_leader      boolean,
    is_leader_raw  varchar
);
comment on table raw.register_roles is '领导职务原始行 / Leader-role rows of the unit register as read';
