-- The default (or generation expression) of a probe table's column as PostgreSQL stored it.
SELECT pg_get_expr(ad.adbin, ad.adrelid) AS expression
FROM pg_attrdef ad
JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE ad.adrelid = %(probe)s::regclass AND a.attname = %(column)s
