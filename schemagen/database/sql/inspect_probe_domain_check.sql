-- A temporary domain over a domain's base type with another spelling of one of its checks.
CREATE DOMAIN {probe} AS {type} CONSTRAINT schemagen_probe CHECK ({expression})
