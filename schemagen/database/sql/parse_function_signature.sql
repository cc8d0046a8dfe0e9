-- Never sent: the statement pglast (PostgreSQL's parser) reads a function's arguments and result in,
-- as pg_get_function_arguments() and pg_get_function_result() print them.
CREATE FUNCTION schemagen_parsed({arguments}) RETURNS {result} LANGUAGE sql AS ''
