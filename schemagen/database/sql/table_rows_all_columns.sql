-- Every row of a table with all its columns in their physical order, ordered.
SELECT * FROM {table} ORDER BY {order}
