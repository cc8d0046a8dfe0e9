-- The session's current value of each setting named in the `names` parameter.
SELECT name, current_setting(name) FROM unnest(%(names)s::text[]) AS name
