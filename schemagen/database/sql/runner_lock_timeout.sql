-- The runner's lock_timeout for the session, set before every step: it wins over a file's own SET.
SELECT set_config('lock_timeout', %(value)s, false)
