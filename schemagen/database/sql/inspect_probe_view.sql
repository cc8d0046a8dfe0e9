-- Another spelling of a view's query, as a temporary view.
CREATE TEMPORARY VIEW {probe} AS {query}
