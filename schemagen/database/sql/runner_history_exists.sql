-- Whether the history table exists (`migrate status` reads it without creating it).
SELECT to_regclass('schemagen.schema_migrations') IS NOT NULL
