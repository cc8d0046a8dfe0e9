-- The named columns of every row of a table, ordered: rows compared across databases whose column
-- order differs.
SELECT {columns} FROM {table} ORDER BY {order}
