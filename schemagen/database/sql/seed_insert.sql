-- One row of generated values, each sent as text for the server to read as its column's type; the
-- columns left out take their defaults.
INSERT INTO {table} ({columns}) VALUES ({values})
