-- A worker joins the cluster: Citus reaches it at this host (here, its socket directory) and port.
SELECT citus_add_node(%(host)s, %(port)s)
