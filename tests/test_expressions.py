"""User SQL through PostgreSQL's parser: expressions, view queries and rendered scripts."""

from __future__ import annotations

import pytest

from schemagen.postgres.expressions import (
    NON_IMMUTABLE_FUNCTIONS,
    Cast,
    ExpressionError,
    FunctionCall,
    SqlProblem,
    casts,
    check_sql,
    column_refs,
    expression_label,
    function_calls,
    has_subquery,
    immutability_problems,
    output_columns,
    parse_expression,
    parse_query,
    relations,
    split_statements,
)

# --- parse_expression ----------------------------------------------------------------------------

VALID = [
    "now()",
    "discriminator BETWEEN 0 AND 9999",
    "to_tsvector('english', username)",
    "'{}'::jsonb",
    "lower(name)",
    "x IS NOT NULL",
    "(created_at AT TIME ZONE 'UTC')::date",
    "'a;b'",
    "$$x;y$$",
    "CASE WHEN a > 0 THEN 'pos' ELSE 'neg' END",
    "1 /* a block comment */ + 2",
    "ARRAY[1, 2, 3]",
    "  price > 0  ",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_expressions(text: str) -> None:
    parsed = parse_expression(text)
    assert parsed.text == text.strip()
    assert parsed.node is not None


INVALID = [
    # (text, words in the message, offset or None)
    ("0); DROP TABLE users; --", "more than one statement", 2),
    ("0; DROP TABLE users", "more than one statement", 1),
    ("false); DROP TABLE users; --", "more than one statement", 6),
    ("0;", "more than one statement", 1),
    ("1 AS x", "alias", None),
    ("1 x", "alias", None),
    ("SELECT 1", 'syntax error at or near "SELECT"', 0),
    ("now() FROM users", "FROM", None),
    ("1 WHERE true", "WHERE", None),
    ("1 ORDER BY 1", "ORDER BY", None),
    ("1 LIMIT 1", "LIMIT", None),
    ("1 UNION SELECT 2", "set operation", None),
    ("DISTINCT 1", "DISTINCT", None),
    ("1, 2", "2 comma-separated values", None),
    ("*", "'*'", None),
    ("", "empty", None),
    ("   ", "empty", None),
    ("(", "syntax error at end of input", None),
    ("a +", "syntax error at end of input", None),
    ("é)", 'syntax error at or near ")"', 1),
    ("  1 )", 'syntax error at or near ")"', 4),
    ("1 -- note", "'--' comments are not allowed", 2),
    ("'unterminated", "unterminated quoted string", 0),
    ("1\x00; DROP TABLE x", "NUL", 1),
    ("(WITH d AS (DELETE FROM t RETURNING 1) SELECT 1)", "data-modifying", 6),
]


@pytest.mark.parametrize(("text", "words", "offset"), INVALID)
def test_invalid_expressions(text: str, words: str, offset: int | None) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression(text)
    assert words in raised.value.message
    assert "\n" not in raised.value.message
    assert raised.value.offset == offset
    assert str(raised.value) == raised.value.message


def test_parse_is_cached_and_expressions_compare_by_text() -> None:
    assert parse_expression("lower(name)") is parse_expression("lower(name)")
    assert parse_expression(" lower(name) ") == parse_expression("lower(name)")
    assert hash(parse_expression("lower(name)")) == hash(parse_expression(" lower(name)"))


# --- analysis ------------------------------------------------------------------------------------

CALLS = [
    ("now()", [("now", 0)]),
    ("pg_catalog.NOW()", [("now", 0)]),
    ("CURRENT_DATE", [("current_date", 0)]),
    ("current_timestamp(3)", [("current_timestamp", 0)]),
    ("LOCALTIME", [("localtime", 0)]),
    ("LOCALTIMESTAMP", [("localtimestamp", 0)]),
    ("CURRENT_TIME", [("current_time", 0)]),
    ("CURRENT_USER", [("current_user", 0)]),
    ("SESSION_USER", [("session_user", 0)]),
    ("CURRENT_ROLE", [("current_role", 0)]),
    ("coalesce(lower(a), upper(b, 'x'))", [("lower", 1), ("upper", 2)]),
    ("count(*)", [("count", 0)]),
    ("to_tsvector('english', username)", [("to_tsvector", 2)]),
    ("a + 1", []),
]


@pytest.mark.parametrize(("text", "expected"), CALLS)
def test_function_calls(text: str, expected: list[tuple[str, int]]) -> None:
    calls = function_calls(parse_expression(text))
    assert [(c.name, c.nargs) for c in calls] == expected
    assert all(len(c.args) == c.nargs for c in calls if c.name != "count")


def test_function_call_equality_and_args() -> None:
    (call,) = function_calls(parse_expression("date(created_at)"))
    assert call == FunctionCall("date", 1, call.args)
    assert column_refs(parse_expression("date(created_at)")) == {"created_at"}
    (keyword,) = function_calls(parse_expression("CURRENT_DATE"))
    assert keyword == FunctionCall("current_date", 0)
    assert keyword.label == "current_date"
    assert call.label == "date()"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + t.b > c", {"a", "b", "c"}),
        ('"MixedCase" IS NULL', {"MixedCase"}),
        ("lower(Name)", {"name"}),
        ("now()", set()),
        ("discriminator BETWEEN 0 AND 9999", {"discriminator"}),
    ],
)
def test_column_refs(text: str, expected: set[str]) -> None:
    assert column_refs(parse_expression(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("created_at::date", ["date"]),
        ("CAST(created_at AS date)", ["date"]),
        ("'{}'::jsonb", ["jsonb"]),
        ("x::varchar(10)", ["character varying(10)"]),
        ("x::int::text", ["text", "integer"]),  # outermost first
        ("x::timestamptz", ["timestamp with time zone"]),
        ("lower(x)", []),
    ],
)
def test_casts(text: str, expected: list[str]) -> None:
    found = casts(parse_expression(text))
    assert [c.type_name for c in found] == expected
    assert all(isinstance(c, Cast) and c.arg is not None for c in found)


def test_has_subquery() -> None:
    assert has_subquery(parse_expression("x IN (SELECT id FROM t)"))
    assert not has_subquery(parse_expression("x IN (1, 2)"))


@pytest.mark.parametrize(
    ("text", "label"),
    [("lower(email)", "lower"), ("email", "email"), ("a + b", "expr"), ("(data->>'k')", "expr")],
)
def test_expression_label(text: str, label: str) -> None:
    assert expression_label(text) == label


# --- immutability --------------------------------------------------------------------------------

TYPES = {
    "created_at": "timestamp with time zone",
    "tz_short": "timestamptz",
    "day": "date",
    "local_at": "timestamp without time zone",
    "body": "text",
    "name": "text",
    "ttl": "interval",
}

NOT_IMMUTABLE = [
    ("CURRENT_DATE", "`current_date` is not IMMUTABLE"),
    ("created_at >= CURRENT_DATE - INTERVAL '30 days'", "`current_date` is not IMMUTABLE"),
    ("now()", "`now()` is not IMMUTABLE"),
    ("random()", "`random()` is not IMMUTABLE"),
    ("gen_random_uuid()", "`gen_random_uuid()` is not IMMUTABLE"),
    ("nextval('s')", "`nextval()` is not IMMUTABLE"),
    ("current_setting('app.tenant')", "`current_setting()` is not IMMUTABLE"),
    ("CURRENT_USER", "`current_user` is not IMMUTABLE"),
    ("age(created_at)", "`age()` is not IMMUTABLE"),
    ("to_char(local_at, 'YYYY')", "`to_char()` is not IMMUTABLE"),
    ("to_tsvector(body)", "1-argument to_tsvector depends on default_text_search_config"),
    ("to_tsquery(body)", "1-argument to_tsquery"),
    ("date(created_at)", "date(timestamptz) depends on the session TimeZone"),
    ("date(tz_short)", "(tz_short AT TIME ZONE 'UTC')::date"),
    ("created_at::date", "depends on the session TimeZone"),
    ("CAST(created_at AS date)", "(created_at AT TIME ZONE 'UTC')::date"),
    ("created_at::text", "depends on DateStyle"),
    ("created_at::varchar", "depends on DateStyle"),
    ("created_at::timestamp", "created_at AT TIME ZONE 'UTC'"),
    ("day::text", "depends on DateStyle"),
    ("local_at::timestamptz", "depends on the session TimeZone"),
    ("body::date", "parses text"),
    ("created_at + interval '1 day'", "timestamptz + interval"),
    ("created_at - ttl", "timestamptz - interval"),
    ("date_trunc('day', created_at)", "date_trunc(text, timestamptz)"),
    ("extract(year FROM created_at)", "extract on a timestamptz"),
]


@pytest.mark.parametrize(("text", "words"), NOT_IMMUTABLE)
def test_not_immutable(text: str, words: str) -> None:
    problems = immutability_problems(parse_expression(text), TYPES)
    assert len(problems) == 1, problems
    assert words in problems[0]
    assert "\n" not in problems[0]


IMMUTABLE = [
    "to_tsvector('english', body)",
    "lower(name)",
    "date(day)",
    "date(local_at)",
    "local_at::date",
    "(created_at AT TIME ZONE 'UTC')::date",
    "date_trunc('day', local_at)",
    "extract(year FROM local_at)",
    "local_at + interval '1 day'",
    "age(local_at, local_at)",
    "to_timestamp(1700000000)",
    "'2024-01-01'::date",
    "discriminator BETWEEN 0 AND 9999",
    "name IS NOT NULL",
    # unknown columns are not guessed at
    "date(unknown_column)",
]


@pytest.mark.parametrize("text", IMMUTABLE)
def test_immutable(text: str) -> None:
    assert immutability_problems(parse_expression(text), TYPES) == []


def test_each_problem_reported_once() -> None:
    assert len(immutability_problems(parse_expression("now() > now() - now()"), {})) == 1
    assert len(immutability_problems(parse_expression("random() + now()"), {})) == 2


def test_non_immutable_functions_table() -> None:
    required = {
        "now",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "transaction_timestamp",
        "statement_timestamp",
        "clock_timestamp",
        "timeofday",
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v4",
        "nextval",
        "currval",
        "txid_current",
        "pg_current_xact_id",
        "current_setting",
        "age",
        "to_char",
    }
    assert required <= set(NON_IMMUTABLE_FUNCTIONS)
    assert all(advice and "\n" not in advice for advice in NON_IMMUTABLE_FUNCTIONS.values())
    with pytest.raises(TypeError):
        NON_IMMUTABLE_FUNCTIONS["now"] = "changed"  # type: ignore[index]


# --- parse_query ---------------------------------------------------------------------------------

VIEW = """
WITH recent AS (
    SELECT user_id, sum(total) AS total FROM orders WHERE placed_at > '2024-01-01' GROUP BY user_id
)
SELECT u.id, u.name AS username, count(*), r.total, 'x'::text, lower(u.email)
FROM users u
JOIN recent r ON r.user_id = u.id
LEFT JOIN audit.logins l ON l.user_id = u.id
WHERE u.id NOT IN (SELECT user_id FROM bans)
GROUP BY u.id, u.name, r.total
"""


def test_query_relations_and_columns() -> None:
    query = parse_query(VIEW)
    assert query.text == VIEW.strip()
    assert relations(query) == {"orders", "users", "audit.logins", "bans"}
    assert output_columns(query) == ["id", "username", "count", "total", "text", "lower"]


@pytest.mark.parametrize(
    ("text", "rels", "columns"),
    [
        ("SELECT * FROM a", {"a"}, None),
        ("SELECT a.* FROM a", {"a"}, None),
        ("SELECT id FROM a UNION SELECT id FROM b", {"a", "b"}, ["id"]),
        ("VALUES (1, 2)", set(), ["column1", "column2"]),
        ("TABLE users", {"users"}, None),
        ("SELECT 1 + 1, now(), CURRENT_DATE, x::int FROM t", {"t"}, ["?column?", "now", "current_date", "x"]),
        (
            "SELECT CASE WHEN a THEN 1 END, coalesce(a, b), (SELECT max(id) AS m FROM t2) FROM t",
            {"t", "t2"},
            ["case", "coalesce", "m"],
        ),
        ("SELECT 1 FROM t FOR UPDATE OF t", {"t"}, ["?column?"]),
        # a CTE shadows a table of the same name only inside its WITH
        ("WITH users AS (SELECT 1 AS id) SELECT id FROM users", set(), ["id"]),
        ("WITH u AS (SELECT 1 AS id) SELECT id FROM (SELECT * FROM users) s, u", {"users"}, ["id"]),
        (
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t",
            set(),
            ["n"],
        ),
        ("SELECT id FROM public.users", {"public.users"}, ["id"]),
        # a qualified name never refers to a CTE
        ("WITH users AS (SELECT 1 AS id) SELECT u.id FROM public.users u, users", {"public.users"}, ["id"]),
    ],
)
def test_queries(text: str, rels: set[str], columns: list[str] | None) -> None:
    query = parse_query(text)
    assert relations(query) == rels
    assert output_columns(query) == columns


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("DELETE FROM t", "not a SELECT query (Delete statement)"),
        ("INSERT INTO t VALUES (1)", "not a SELECT query (Insert statement)"),
        ("DROP TABLE users", "not a SELECT query"),
        ("SELECT 1; SELECT 2", "more than one statement"),
        ("SELECT 1; DROP TABLE users", "more than one statement"),
        ("SELECT 1;", "more than one statement"),
        ("SELECT 1 INTO t", "INTO"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "data-modifying"),
        ("SELECT (", "syntax error"),
        ("", "empty"),
    ],
)
def test_invalid_queries(text: str, words: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_query(text)
    assert words in raised.value.message


# --- scripts -------------------------------------------------------------------------------------

SCRIPT = """\
-- generated
CREATE TYPE app.status AS ENUM ('active', 'banned');
ALTER TYPE app.status ADD VALUE IF NOT EXISTS 'deleted' AFTER 'banned';
CREATE TABLE app.events (id bigint, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE app.events_2024 (LIKE app.events INCLUDING ALL);
ALTER TABLE app.events ATTACH PARTITION app.events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_created_idx ON ONLY app.events (created_at);
ALTER TABLE app.events DETACH PARTITION app.events_2024 CONCURRENTLY;
CREATE MATERIALIZED VIEW app.daily AS SELECT 1 AS n WITH NO DATA;
CREATE UNIQUE INDEX daily_n ON app.daily (n);
REFRESH MATERIALIZED VIEW CONCURRENTLY app.daily;
CREATE OR REPLACE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at := now();  -- a ; inside the body
  RETURN NEW;
END;
$fn$;
CREATE FUNCTION app.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION app.add2(a integer) RETURNS integer LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN a END;
END;
CREATE FUNCTION app.total(VARIADIC xs int[]) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
CREATE FUNCTION auth.check(password text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN SELECT 'x' INTO check.password; RETURN check.password; END $$;
DO $$ BEGIN PERFORM 1; END $$;
"""


def test_check_sql_accepts_a_valid_script() -> None:
    assert check_sql(SCRIPT) == []


def test_split_statements() -> None:
    statements = split_statements(SCRIPT)
    assert len(statements) == 16
    assert statements[0].text == "CREATE TYPE app.status AS ENUM ('active', 'banned')"
    assert statements[0].line == 2
    assert statements[10].text.startswith("CREATE OR REPLACE FUNCTION app.touch()")
    assert statements[10].line == 12
    assert statements[12].text.endswith("END")  # BEGIN ATOMIC body kept whole
    assert statements[-1].line == 26


ATOMIC = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END"


def test_split_statements_on_a_broken_script() -> None:
    # libpg_query's scanner split would drop everything after the unbalanced '('.
    text = f"SELECT 1;\nSELECT (;\n-- note\nSELECT $$;$$;\n{ATOMIC};\nSELECT 'a;b'"
    assert [(s.text, s.line) for s in split_statements(text)] == [
        ("SELECT 1", 1),
        ("SELECT (", 2),
        ("SELECT $$;$$", 4),
        (ATOMIC, 5),
        ("SELECT 'a;b'", 6),
    ]
    with pytest.raises(ExpressionError):
        split_statements("SELECT 'unterminated")


BROKEN = """\
CREATE TABLE a (id integer);
CREATE TABLE b (id integer);
-- a comment
/* a block comment */
CREATE TABLE c (id integer,);
CREATE TABLE d (id integer);
"""


def test_check_sql_reports_the_failing_statement_line() -> None:
    assert check_sql(BROKEN) == [SqlProblem(5, 'syntax error at or near ")"')]


def test_check_sql_reports_every_broken_statement() -> None:
    text = (
        "CREATE TABLE a (id integer,);\nCREATE TABLE b (\n  id integer\n  name text\n);\n"
        "SELECT (;\nSELECT 1;\n"
    )
    problems = check_sql(text)
    assert [p.line for p in problems] == [1, 2, 6]
    assert problems[1].message == 'syntax error at or near "name" (at line 4)'


def test_check_sql_unterminated_string() -> None:
    (problem,) = check_sql("SELECT 1;\nSELECT 'oops;\n")
    assert problem.line == 2
    assert "unterminated quoted string" in problem.message


FUNCTION_BODIES = [
    (
        "SELECT 1;\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  RETURN NEW +;\nEND $$;\n",
        2,
        "function f (plpgsql): syntax error",
    ),
    (
        "CREATE FUNCTION f() RETURNS integer LANGUAGE plpgsql AS $$ BEGN RETURN 1; END $$;",
        1,
        'syntax error at or near "BEGN"',
    ),
    (
        "SELECT 1;\n\nCREATE FUNCTION g(a integer) RETURNS integer LANGUAGE sql AS $$\n  SELECT a\n  FROM\n"
        "  WHERE $$;\n",
        3,
        'function g (LANGUAGE sql) body: syntax error at or near "WHERE" (at line 6)',
    ),
    ("CREATE FUNCTION g(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a +';", 1, "LANGUAGE sql"),
    ("DO $$ BEGIN PERFORM 1 +; END $$;", 1, "DO block (plpgsql)"),
    ("CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT END $$;", 1, "procedure p (plpgsql)"),
]


@pytest.mark.parametrize(("text", "line", "words"), FUNCTION_BODIES)
def test_check_sql_parses_function_bodies(text: str, line: int, words: str) -> None:
    (problem,) = check_sql(text)
    assert problem.line == line
    assert words in problem.message


def test_check_sql_empty_and_comment_only() -> None:
    assert check_sql("") == []
    assert check_sql("-- nothing\n") == []
