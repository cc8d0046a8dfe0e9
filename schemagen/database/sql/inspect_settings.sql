-- Fix, for the rest of the transaction, each setting named in `names` to the value at the same place
-- in `values`: catalog text (types, bounds, expressions) then reads the same in every session.
SELECT set_config(name, value, true) FROM unnest(%(names)s::text[], %(values)s::text[]) AS s(name, value)
