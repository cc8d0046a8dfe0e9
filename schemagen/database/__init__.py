"""Everything that touches a database lives here; nothing outside this subpackage imports psycopg.

- `cluster`: throwaway PostgreSQL clusters and databases, and `connect`;
- `live`: `validate --live`, the rendered DDL applied in a transaction that is rolled back;
- `replay`: `check --live`, the migrations replayed and compared with schema.sql by `catalog`;
- `catalog`: catalog snapshots, compared by `check --live` and the tests;
- `runner`: `migrate apply/status/down/baseline` and the migration history;
- `inspect`: a database's catalog read back into a Model (`schemagen inspect`, drift, baseline);
- `queries`: the SQL all of them send, one packaged file per statement under `sql/`.
"""
