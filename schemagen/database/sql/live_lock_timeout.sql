-- lock_timeout for the rest of the rolled-back transaction: a check against a shared server must not
-- queue behind (and then block) real traffic.
SELECT set_config('lock_timeout', %(value)s, true)
