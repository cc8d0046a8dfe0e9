-- A policy with another spelling of its expressions, on a probe table (inspect_probe_table.sql).
CREATE POLICY schemagen_probe ON {probe} AS {kind} FOR {command} {clauses}
