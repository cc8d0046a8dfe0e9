-- A temporary domain over a domain's base type with another spelling of its default.
CREATE DOMAIN {probe} AS {type} DEFAULT {expression}
