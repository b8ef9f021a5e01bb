-- One row per open data problem: what must still go back to whoever submitted it.
with problems as (
    select * from marts.problems
),

final as (
    select * exclude (is_open, closed_at)
    from problems
    where is_open
)

select * from final
