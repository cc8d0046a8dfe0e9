-- The number of rows of several tables, counted in one statement (so in one snapshot): `counts` is one
-- row_count.sql per table, separated by commas.
SELECT {counts}
