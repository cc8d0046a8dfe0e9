-- The values the columns a foreign key references hold in one of the referenced table's first rows,
-- as text.
SELECT {columns} FROM {table} ORDER BY 1 LIMIT 1 OFFSET %(offset)s
