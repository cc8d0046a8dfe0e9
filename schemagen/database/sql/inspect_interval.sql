-- Whether two spellings of an interval are the same interval, printed the same way.
SELECT %(a)s::interval::text = %(b)s::interval::text AS same
