-- Another spelling of a generated column's expression, as a new column of a probe table.
ALTER TABLE {probe} ADD COLUMN schemagen_probe {type} GENERATED ALWAYS AS ({expression}) STORED
