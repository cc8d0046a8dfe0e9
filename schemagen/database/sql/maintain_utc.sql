-- Catalog text of timestamptz bounds in UTC, as the spec writes them (`2024-01-01 00:00:00+00`).
SELECT set_config('TimeZone', 'UTC', false)
