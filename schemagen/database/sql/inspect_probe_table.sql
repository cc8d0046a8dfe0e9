-- A temporary table with the columns of a table (names, types, collations, NOT NULL), on which
-- PostgreSQL is asked how it reads another spelling of an expression. Rolled back with the inspection.
CREATE TEMPORARY TABLE {probe} (LIKE {source})
