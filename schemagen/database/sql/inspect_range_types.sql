-- The range types of the requested schemas that no extension owns: the subtype, the subtype_diff
-- function, the collation where it is not the subtype's default, the operator class where it is not
-- the subtype's default btree one (with its schema), and what the spec cannot say (a canonical
-- function, a multirange type named otherwise than PostgreSQL names it).
SELECT
    n.nspname AS schema,
    t.typname AS name,
    obj_description(t.oid, 'pg_type') AS comment,
    format_type(r.rngsubtype, NULL) AS subtype,
    CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS subtype_diff,
    CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN co.collname END AS collation,
    CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS canonical,
    CASE WHEN own.opclass THEN oc.opcname END AS opclass,
    CASE WHEN own.opclass THEN ocn.nspname END AS opclass_schema,
    con.nspname AS collation_schema,
    mt.typname AS multirange
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_range r ON r.rngtypid = t.oid
JOIN pg_type st ON st.oid = r.rngsubtype
JOIN pg_opclass oc ON oc.oid = r.rngsubopc
JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
-- not the one CREATE TYPE picks without SUBTYPE_OPCLASS: a class that is no default, or the default
-- class of another type while the subtype has one of its own
CROSS JOIN LATERAL (
    SELECT NOT oc.opcdefault OR (oc.opcintype <> r.rngsubtype AND EXISTS (
        SELECT FROM pg_opclass d
        WHERE d.opcmethod = oc.opcmethod AND d.opcdefault AND d.opcintype = r.rngsubtype
    )) AS opclass
) own
LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid
LEFT JOIN pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_namespace con ON con.oid = co.collnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype = 'r'
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
