-- A no-transaction down migration starts: the row keeps applied_at until the down finishes and the
-- row goes. On a resume it is already part-way and keeps its count.
UPDATE schemagen.schema_migrations
SET in_progress = 'down', steps_done = 0
WHERE version = %(version)s AND in_progress IS NULL
