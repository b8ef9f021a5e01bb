-- One row per unit listed on the 组织机构 sheet of a unit register file.
create table if not exists raw.register_units (
    file_id                 varchar not null,
    sheet                   varchar not null,
    row_number              integer not null,
    unit_name               varchar,
    aliases                 varchar,   -- several separated by 、
    unit_type               varchar,   -- 机关部室 | 党总支 | 党支部 | 直属学会
    parent_name             varchar,
    established_on          date,
    established_on_raw      varchar,
    member_count            bigint,
    member_count_raw        varchar,
    member_count_is_approx  boolean
);
comment on table raw.register_units is '组织机构名册原始行 / Unit register rows as read';
