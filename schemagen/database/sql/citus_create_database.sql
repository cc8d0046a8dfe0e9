-- CREATE DATABASE is not propagated by Citus: it runs on every node, cloning the node's template (its
-- citus extension and, on the coordinator, the registered workers).
CREATE DATABASE {database} TEMPLATE {template}
