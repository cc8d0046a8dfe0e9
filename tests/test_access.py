"""Owners, grants, row-level security, policies and replica identity: spec checks (SG130–SG132), and a
database adopted through the command line — inspect writes them into the spec, schema.sql builds the
same catalog, baseline and drift agree, a change made by hand shows as drift; then a migration changes
each of them with the rows kept, and its down gives the catalog back.

Roles are cluster-wide and the suite's databases share one cluster: each test names its roles after
its own database, and creates them only when absent."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalog import assert_catalog_equal, snapshot
from psycopg.conninfo import conninfo_to_dict

from schemagen.database.live import connect
from tests.commandline import run


def write_spec(root: Path, text: str) -> Path:
    spec = root / "spec"
    spec.mkdir(exist_ok=True)
    (spec / "entities.yaml").write_text(text)
    return spec


# --- spec checks -----------------------------------------------------------------------------------

BAD = """
entities:
  docs:
    columns:
      id: {type: bigint, primary_key: true}
      body: text?
    grants:
      app_reader: [select, usage]
      Bad-Role: [select]
    policies:
      p1: {for: insert, using: "body <> ''"}
      p2: {for: select, using: "body <> "}
      p3: {using: "true"}
      p4: {using: "bdy <> ''"}
    replica_identity: {index: docs_body_idx}
"""


def test_spec_errors_are_at_their_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, BAD)
    code, out, err = run("validate", "spec")
    text = out + err
    assert code != 0
    assert "SG130" in text and "no privilege `usage`" in text and "Bad-Role" in text
    assert "SG131" in text and "insert` policy takes no `using`" in text
    assert "row-level security on" in text  # policies on a table without RLS
    assert "SG132" in text and "no index `docs_body_idx`" in text
    assert "reads `bdy`, not a column of the table; did you mean `body`?" in text
    assert "entities.yaml:8" in text  # the `usage` line


# --- adopted and migrated --------------------------------------------------------------------------


def roles_for(dsn: str) -> dict[str, str]:
    tag = hashlib.sha1(conninfo_to_dict(dsn)["dbname"].encode()).hexdigest()[:10]
    return {k: f"{k}_{tag}" for k in ("reader", "writer", "owner")}


def create_roles(dsn: str, roles: dict[str, str]) -> None:
    with connect(dsn, autocommit=True) as conn:
        for role in roles.values():
            conn.execute(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
                f"CREATE ROLE {role}; END IF; END $$"
            )


def hand_made(r: dict[str, str]) -> str:
    return f"""
CREATE TABLE docs (
    id bigint PRIMARY KEY,
    author text NOT NULL,
    code text NOT NULL UNIQUE,
    body text
);
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
ALTER TABLE docs OWNER TO {r["owner"]};
GRANT SELECT ON docs TO {r["reader"]};
GRANT SELECT, INSERT, UPDATE ON docs TO {r["writer"]} WITH GRANT OPTION;
GRANT SELECT ON notes TO PUBLIC;
ALTER TABLE docs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON docs FOR SELECT TO {r["reader"]} USING (author = current_user);
CREATE POLICY writes ON docs AS RESTRICTIVE FOR INSERT TO {r["writer"]} WITH CHECK (author = current_user);
ALTER TABLE docs REPLICA IDENTITY USING INDEX docs_code_key;
ALTER TABLE notes REPLICA IDENTITY FULL;
INSERT INTO docs SELECT g, 'a' || (g % 7), 'c' || g, 'body ' || g FROM generate_series(1, 300) g;
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 100) g;
"""


ACCESS_QUERY = """
SELECT c.relname, pg_get_userbyid(c.relowner) = current_user, c.relacl::text[], c.relrowsecurity,
       c.relforcerowsecurity, c.relreplident,
       (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = c.oid AND i.indisreplident),
       ARRAY(SELECT row(p.polname, p.polcmd, p.polpermissive, p.polroles::regrole[]::text,
                        pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))::text
             FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY p.polname)
FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1
"""


def access(dsn: str) -> list[tuple[Any, ...]]:
    """Owners (whether the connected role), ACLs (in a canonical order), RLS flags, replica identity
    and policies of the public tables."""
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute(ACCESS_QUERY).fetchall()
        me = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    return [(*row[:2], sorted(a.replace(me, "ME") for a in row[2] or []), *row[3:]) for row in rows]


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table in ("docs", "notes"):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def applied(dsn: str, schema_sql: Path) -> list[tuple[Any, ...]]:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return access(dsn)


def test_access_is_adopted_and_migrates_with_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(hand_made(r))
    before, rows = access(pg_dsn), fingerprint(pg_dsn)
    with connect(pg_dsn, autocommit=True) as conn:
        before_catalog = snapshot(conn, ("public",))

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "polic" not in err and "row-level" not in err and "grant" not in err, err
    entities = (tmp_path / "spec" / "entities.yaml").read_text()
    assert f"owner: {r['owner']}" in entities
    assert f"{r['writer']}: {{privileges: [insert, select, update], grant_option: true}}" in entities
    assert "public: [select]" in entities
    assert "row_level_security: {enabled: true, forced: true}" in entities
    assert "replica_identity: {index: docs_code_key}" in entities and "replica_identity: full" in entities
    assert "own_rows: {for: select, to: [" in entities

    code, _, err = run("render", "spec")
    assert code == 0, err
    assert applied(fresh("s"), tmp_path / "generated" / "schema.sql") == before
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # drift: a grant revoked, a policy dropped and RLS no longer forced, by hand
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"REVOKE SELECT ON docs FROM {r['reader']}")
        conn.execute("DROP POLICY writes ON docs")
        conn.execute("ALTER TABLE docs NO FORCE ROW LEVEL SECURITY")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1, out + err
    assert "access to docs" in out, out
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON docs TO {r['reader']}")
        conn.execute(
            f"CREATE POLICY writes ON docs AS RESTRICTIVE FOR INSERT TO {r['writer']} "
            "WITH CHECK (author = current_user)"
        )
        conn.execute("ALTER TABLE docs FORCE ROW LEVEL SECURITY")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # a change of each kind
    spec = tmp_path / "spec" / "entities.yaml"
    text = spec.read_text()
    text = text.replace(f"    owner: {r['owner']}\n", "")  # back to the migrating role
    text = text.replace(
        f"{r['writer']}: {{privileges: [insert, select, update], grant_option: true}}",
        f"{r['writer']}: [select, insert, delete]",  # update revoked, grant option dropped, delete given
    )
    text = text.replace("public: [select]", f"public: [select]\n      {r['reader']}: [select, references]")
    text = text.replace("row_level_security: {enabled: true, forced: true}", "row_level_security: true")
    text = text.replace("replica_identity: {index: docs_code_key}", "replica_identity: full")
    text = text.replace("replica_identity: full\n  notes", "replica_identity: full\n  notes", 1)
    assert "own_rows: {for: select, to: [" in text
    text = text.replace("own_rows: {for: select, to: [", "own_rows: {for: all, to: [")
    spec.write_text(text)
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((tmp_path / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "DROP POLICY IF EXISTS own_rows ON public.docs;" in up, up
    assert "ALTER TABLE public.docs OWNER TO CURRENT_USER;" in up
    assert f"REVOKE UPDATE ON TABLE public.docs FROM {r['writer']};" in up
    assert f"REVOKE GRANT OPTION FOR INSERT, SELECT ON TABLE public.docs FROM {r['writer']};" in up
    assert "ALTER TABLE public.docs REPLICA IDENTITY FULL;" in up
    assert "NO FORCE ROW LEVEL SECURITY" in up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = access(pg_dsn)
    assert after == applied(fresh("a"), tmp_path / "generated" / "schema.sql")
    assert after != before
    assert fingerprint(pg_dsn) == rows
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert access(pg_dsn) == before
    assert fingerprint(pg_dsn) == rows
    with connect(pg_dsn, autocommit=True) as conn:
        assert_catalog_equal(snapshot(conn, ("public",)), before_catalog)


def test_access_the_spec_cannot_say_is_a_warning(pg_dsn: str) -> None:
    from schemagen.database.inspect import inspect

    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            f"""
            CREATE TABLE plain (id bigint PRIMARY KEY);
            CREATE TABLE odd (id bigint PRIMARY KEY);
            CREATE VIEW plain_ids AS SELECT id FROM plain;
            GRANT SELECT ON plain_ids TO {r["reader"]};
            CREATE SEQUENCE tickets;
            GRANT USAGE ON SEQUENCE tickets TO {r["writer"]};
            CREATE FUNCTION one() RETURNS integer LANGUAGE sql AS 'SELECT 1';
            REVOKE EXECUTE ON FUNCTION one() FROM PUBLIC;
            CREATE SCHEMA extra;
            GRANT USAGE ON SCHEMA extra TO {r["reader"]};
            ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {r["reader"]};
            REVOKE DELETE ON odd FROM CURRENT_USER;
            GRANT SELECT ON odd TO {r["reader"]};
            GRANT INSERT ON odd TO {r["reader"]} WITH GRANT OPTION;
            """
        )
    plain = inspect(pg_dsn, schemas=["public"])
    text = "\n".join(plain.warnings)
    for expected in (
        "has revoked its own delete",
        "with grant option and some without",
    ):
        assert expected in text, f"no warning says {expected}:\n{text}"
    assert "plain`" not in text.replace("plain_ids", "")  # a table with default privileges: nothing to say
    odd = plain.model.table("odd")
    assert (
        odd is not None
        and odd.access is not None
        and [(g.role, g.privileges) for g in odd.access.grants] == [(r["reader"], ("insert", "select"))]
    )
    extra = inspect(pg_dsn, schemas=["extra"])  # a schema's grants are the spec's now
    assert not any("extra" in w for w in extra.warnings), extra.warnings
    declared = {s.name: s for s in extra.model.project.schemas}
    assert declared["extra"].access is not None


def test_a_policy_spelled_otherwise_is_no_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    spec = f"""
entities:
  docs:
    columns:
      id: {{type: bigint, primary_key: true}}
      author: text
      level: integer
    grants:
      {r["reader"]}: [select]
    row_level_security: true
    policies:
      own_rows: {{to: [{r["reader"]}], using: author = current_user and level between 1 and 3}}
      new_rows: {{for: insert, with_check: "level > 0"}}
"""
    write_spec(tmp_path, spec)
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute("ALTER POLICY new_rows ON docs WITH CHECK (level > 1)")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and "new_rows" in out, out + err


def test_declared_roles_are_created_when_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    reader, writer = r["reader"] + "_d", r["writer"] + "_d"
    spec = f"""
roles:
  {reader}:
  {writer}: {{login: true, in: [{reader}]}}
entities:
  docs:
    columns: {{id: {{type: bigint, primary_key: true}}}}
    grants:
      {reader}: [select]
      {writer}: [insert]
      stranger_{r["owner"]}: [select]
"""
    write_spec(tmp_path, spec)
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    assert "SG133" in out + err and f"stranger_{r['owner']}" in out + err  # a warning, not an error
    write_spec(tmp_path, spec.replace(f"      stranger_{r['owner']}: [select]\n", ""))
    code, out, err = run("render", "spec")
    assert code == 0 and "SG133" not in out + err, out + err
    schema = (tmp_path / "generated" / "schema.sql").read_bytes()
    assert b"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + reader.encode() in schema
    for letter in ("x", "y"):  # the second finds the roles there already
        with connect(fresh(letter), autocommit=True) as conn:
            conn.execute(schema)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(schema)
        login, member = conn.execute(
            "SELECT rolcanlogin, pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            (writer, reader, writer),
        ).fetchone()  # type: ignore[misc]
    assert login and member
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE {writer} NOLOGIN")
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 1 and f"alter role {writer}" in out, out + err


def test_default_privileges_are_set_inspected_and_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    monkeypatch.chdir(tmp_path)
    r = roles_for(pg_dsn)
    create_roles(pg_dsn, r)
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            f"""
            CREATE TABLE docs (id bigint PRIMARY KEY);
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {r["reader"]};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r["writer"]}
                WITH GRANT OPTION;
            ALTER DEFAULT PRIVILEGES FOR ROLE {r["owner"]} IN SCHEMA public GRANT EXECUTE ON FUNCTIONS
                TO {r["reader"]};
            """
        )
    defaults = "SELECT pg_get_userbyid(defaclrole), defaclobjtype, defaclacl::text[] FROM pg_default_acl ORDER BY 1, 2"
    with connect(pg_dsn, autocommit=True) as conn:
        before = conn.execute(defaults).fetchall()
    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "default privileges" not in err, err
    project = (tmp_path / "spec" / "project.yaml").read_text()
    assert f"for_role: {r['owner']}" in project and "objects: sequences" in project
    code, _, err = run("render", "spec")
    assert code == 0, err
    other = fresh("p")
    with connect(other, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
        assert conn.execute(defaults).fetchall() == before
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    # tables: the reader's default goes to the writer; the writer's option on sequences goes
    path = tmp_path / "spec" / "project.yaml"
    text = path.read_text()
    assert text.count(f"{r['reader']}: [select]") == 1
    text = text.replace(f"{r['reader']}: [select]", f"{r['writer']}: [select, insert]")
    text = text.replace(", grant_option: true", "")
    path.write_text(text)
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    code, _, err = run("migrate", "new", "change", "spec")
    assert code == 0, err
    up = next((tmp_path / "generated" / "migrations").glob("0002_change.up.sql")).read_text()
    assert "REVOKE GRANT OPTION FOR SELECT, USAGE ON SEQUENCES" in up, up
    assert f"IN SCHEMA public REVOKE SELECT ON TABLES FROM {r['reader']};" in up, up
    assert f"IN SCHEMA public GRANT INSERT, SELECT ON TABLES TO {r['writer']};" in up, up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0
    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute(defaults).fetchall() == before


def test_a_rebuilt_replica_identity_index_is_named_again(tmp_path: Path) -> None:
    from schemagen.pipeline import compile_spec
    from schemagen.plan import plan

    def model(columns: str) -> Any:
        root = tmp_path / columns.replace(", ", "_")
        root.mkdir()
        (root / "a.yaml").write_text(
            "entities:\n  docs:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
            "      code: text\n"
            f"    indexes: [{{name: docs_code_idx, columns: [{columns}], unique: true}}]\n"
            "    replica_identity: {index: docs_code_idx}\n"
        )
        compiled = compile_spec(root)
        assert compiled.model is not None, compiled.diagnostics
        return compiled.model

    a, b = model("code"), model("code, id")
    kinds = [(op.kind.value, op.comment) for op in plan(a, b)]
    assert [k for k, _ in kinds][-1] == "change_access", kinds
    assert "replica identity docs_code_idx" in kinds[-1][1]
    assert plan(b, b) == []


def test_validate_live_fails_on_a_role_the_cluster_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = roles_for(pg_dsn)["reader"] + "_missing"
    write_spec(
        tmp_path, f"entities:\n  docs:\n    columns: {{id: bigint}}\n    grants: {{{missing}: [select]}}\n"
    )
    code, out, err = run("validate", "spec", "--dsn", pg_dsn)
    assert code != 0 and "SG133" in out + err
    assert f'role "{missing}" does not exist' in out + err
    write_spec(
        tmp_path,
        f"roles:\n  {missing}:\nentities:\n  docs:\n    columns: {{id: bigint}}\n"
        f"    grants: {{{missing}: [select]}}\n",
    )
    code, out, err = run("validate", "spec", "--dsn", pg_dsn)  # declared: created, then rolled back
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT FROM pg_roles WHERE rolname = %s", (missing,)).fetchone() is None


def test_a_partitioned_table_keeps_its_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_dsn: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(
        tmp_path,
        """
entities:
  events:
    columns:
      id: bigint
      at: date
    primary_key: [id, at]
    partition:
      range: {key: at, bounds: {2024: ['2024-01-01', '2025-01-01'], 2025: ['2025-01-01', '2026-01-01']}}
    grants: {public: [select]}
    row_level_security: {enabled: true, forced: true}
    policies:
      recent: {using: "at > '2020-01-01'"}
    replica_identity: full
""",
    )
    code, out, err = run("render", "spec")
    assert code == 0, out + err
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute((tmp_path / "generated" / "schema.sql").read_bytes())
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err
