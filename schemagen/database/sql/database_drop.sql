-- Drop a throwaway database, disconnecting whatever session is still in it.
DROP DATABASE IF EXISTS {database} WITH (FORCE)
