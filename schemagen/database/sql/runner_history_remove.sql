-- A down migration finished: the migration is no longer applied.
DELETE FROM schemagen.schema_migrations WHERE version = %(version)s
