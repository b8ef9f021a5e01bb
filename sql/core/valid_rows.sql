-- Table macro: one row per record of a raw table that counts — from the live version of its file,
-- not held back by any problem — with its file's unit, period, export date and path.
create or replace macro core.valid_rows(raw_table) as table
    select
        rows.*,
        files.path,
        files.unit_name as file_unit,
        files.period_start,
        files.period_end,
        coalesce(files.exported_on, files.period_end, files.ingested_at::date) as snapshot_on
    from query_table(raw_table) as rows
    join core.files as files using (file_id)
    anti join core.quarantined_rows as held using (file_id, sheet, row_number)
    where files.is_live
