"""Everything that touches a database lives here; nothing outside this subpackage imports psycopg."""
