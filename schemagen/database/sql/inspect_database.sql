-- The database's name and the server's major version.
SELECT current_database() AS name, current_setting('server_version_num')::int / 10000 AS major_version
