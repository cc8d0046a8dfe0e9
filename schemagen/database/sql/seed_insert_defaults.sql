-- One row of defaults: every column of the table has a default, an identity or a generated value.
INSERT INTO {table} DEFAULT VALUES
