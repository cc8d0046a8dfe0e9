SELECT citus_add_node(%(host)s, %(port)s)
