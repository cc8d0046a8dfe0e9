-- A CHECK with another spelling of an expression, on a probe table (inspect_probe_table.sql).
ALTER TABLE {probe} ADD CONSTRAINT schemagen_probe CHECK ({expression})
