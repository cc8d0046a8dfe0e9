-- The number of steps of a part-way no-transaction migration that are done.
UPDATE schemagen.schema_migrations SET steps_done = %(done)s WHERE version = %(version)s
