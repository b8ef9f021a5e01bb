-- One row: the build the models of this warehouse come from (a fingerprint of the models, the
-- dictionary, the rules file and the source contracts), so that a new process does not build
-- them again when nothing they are made from has changed (flows/warehouse.py).
create table if not exists raw.builds (
    fingerprint  varchar not null,   -- sha256 of what the build was made from
    built_at     timestamp not null  -- when it was built
);
