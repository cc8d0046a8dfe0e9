-- Which of the extensions named in `names` this server can install.
SELECT name FROM pg_available_extensions WHERE name = ANY(%(names)s)
