-- An empty database for a throwaway check. From template0: template1 may hold objects of its own,
-- which would show up in catalog comparisons.
CREATE DATABASE {database} TEMPLATE template0
