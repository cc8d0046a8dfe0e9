-- Never sent: the statement pglast (PostgreSQL's parser) reads a partition's bound in, as
-- pg_get_expr(relpartbound) prints it (`FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')`, `DEFAULT`).
CREATE TABLE schemagen_parsed PARTITION OF schemagen_parent {bound}
