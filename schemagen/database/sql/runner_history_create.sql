-- The migration history, created on the first `migrate apply`. It lives in its own schema so that the
-- application's schemas stay exactly what schema.sql builds (drift and catalog comparisons see no
-- extra table).
CREATE SCHEMA IF NOT EXISTS schemagen;
CREATE TABLE IF NOT EXISTS schemagen.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    -- sha256 of the up file's bytes, hex: a file edited after it ran is refused
    checksum text NOT NULL,
    -- when the up migration finished; NULL while a no-transaction file is part-way
    applied_at timestamptz,
    -- 'up' or 'down' while a no-transaction file is part-way in that direction, else NULL
    in_progress text CHECK (in_progress IN ('up', 'down')),
    -- how many steps (a statement, or a BEGIN … COMMIT group) of that file are done; NULL when none is part-way
    steps_done integer CHECK (steps_done >= 0),
    CHECK ((in_progress IS NULL) = (steps_done IS NULL)),
    CHECK (applied_at IS NOT NULL OR in_progress = 'up')
);
COMMENT ON TABLE schemagen.schema_migrations IS 'Migrations applied by schemagen migrate; one row per migration';
