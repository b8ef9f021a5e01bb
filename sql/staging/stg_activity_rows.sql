-- One row per activity ledger row as read, typed, without the original-text columns.
with source as (
    select * from raw.activity_rows
),

renamed as (
    select
        file_id,
        sheet,
        row_number,
        activity_on,
        activity_type,
        title,
        org_unit,
        speaker,
        speaker_role,
        participants,
        participants_is_approx,
        location,
        mode,
        coalesce(first_topic, false) as is_first_topic,
        notes,
        participant_names,
        content,
        outcome,
        submitted_at
    from source
)

select * from renamed
