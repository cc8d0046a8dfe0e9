-- Another spelling of a column's default, set on a probe table (inspect_probe_table.sql).
ALTER TABLE {probe} ALTER COLUMN {column} SET DEFAULT ({expression})
