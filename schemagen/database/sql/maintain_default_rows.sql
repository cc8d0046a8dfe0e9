-- Whether the DEFAULT partition (`table`) holds rows of a period about to be created, whose key
-- (`column`) is in [low, high): they move into the new period before it is attached.
SELECT EXISTS (SELECT FROM {table} WHERE {column} >= %(low)s AND {column} < %(high)s)
