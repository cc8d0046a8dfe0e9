-- The number of rows of one table: a column of row_counts.sql.
(SELECT count(*) FROM {table})
