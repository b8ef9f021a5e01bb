-- One row per publicity column that counts as a party-history column (configurable: edit this list).
with columns(column_name) as (
    values ('党史天天学'), ('黄河故道'), ('黄河文化'), ('乡村振兴')
)

select * from columns
