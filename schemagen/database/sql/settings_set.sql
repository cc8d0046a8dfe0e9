-- Set each setting named in `names` to the value at the same place in `values`, for the session.
SELECT set_config(name, value, false) FROM unnest(%(names)s::text[], %(values)s::text[]) AS s(name, value)
