-- Never sent: the statement pglast (PostgreSQL's parser) reads a partition key in, as
-- pg_get_partkeydef() prints it (`RANGE (created_at)`, `LIST (lower((name)::text))`).
CREATE TABLE schemagen_parsed () PARTITION BY {key}
