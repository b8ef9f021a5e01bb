-- Table macro: one row per source row behind a metric's value for [start_on, end_on] and a scope:
-- the file, sheet and row a person can open to check the figure (metrics.figures' places).
create or replace macro metrics.evidence(start_on, end_on, scope_name := null) as table
    select distinct figures.metric_id, place.path, place.sheet, place.row_number
    from metrics.figures(start_on, end_on, scope_name := scope_name) as figures,
         unnest(figures.places) as t(place)
    order by figures.metric_id, place.path, place.sheet, place.row_number
