"""The command line end to end: exit codes, messages, files written or not; in-process and `python -m`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from schemagen.cli import cli
from tests.terminal import run_on_a_terminal

if TYPE_CHECKING:
    import psycopg

PROJECT = "project: {name: t, postgres: 15}\n"
VALID = PROJECT + textwrap.dedent("""\
    enums:
      mood: [happy, sad]
    entities:
      users:
        comment: Someone.
        columns:
          id: {type: bigint, primary_key: true}
          name: varchar(32)
          mood: {type: mood, default: happy}
        indexes:
          - columns: [name]
      events:
        columns:
          id: bigint
          user_id: {type: bigint, references: users}
          at: timestamptz
        primary_key: [id, at]
        partition:
          range: {key: at, every: month, from: 2024-01-01, to: 2024-04-01, default: true}
    views:
      user_names: {query: "SELECT id, name FROM users"}
    """)
VALID_SUMMARY = "is valid: 2 tables, 4 partitions, 1 indexes, 1 views, 1 enums"
# error[SGxxx]: message
#  --> file:line:col
_DIAGNOSTIC = re.compile(r"^error\[(SG\d{3})\]: .*\n\s+--> \S*a\.yaml:(\d+):(\d+)$", re.MULTILINE)
COUNT_LINE = re.compile(r"^\d+ errors? in \S+$", re.MULTILINE)
SUBPROCESS_TIMEOUT_SECONDS = 120


def diagnostics_at(text: str) -> list[tuple[str, str, str]]:
    """(line, column, code) of each error diagnostic in `text`."""
    return [(line, column, code) for code, line, column in _DIAGNOSTIC.findall(text)]


def write_spec(root: Path, text: str, name: str = "a.yaml") -> Path:
    """A spec folder holding one file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


def invoke(*args: str | Path) -> Result:
    """Run the command line in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="schemagen")


def run_module(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m schemagen` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "schemagen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )


def copy_example(repo_root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(repo_root / "spec", tmp_path / "spec"))


def assert_input_error(result: Result) -> None:
    """Exit 2 through SystemExit (not an escaped exception), nothing on stdout, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert "Traceback" not in result.output


def public_relations(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


# render


def test_render_example_matches_committed_output(repo_root: Path, tmp_path: Path) -> None:
    spec = copy_example(repo_root, tmp_path)
    out = tmp_path / "out"
    result = invoke("render", spec, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == ["ERD.md", "schema.sql"]
    for name in ("schema.sql", "ERD.md"):
        assert (out / name).read_bytes() == (repo_root / "generated" / name).read_bytes(), name
    assert re.fullmatch(r"wrote \S+schema\.sql, \S+ERD\.md \(\d+ tables, \d+ views\)\n", result.stdout)


def test_render_defaults_to_spec_and_generated(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_example(repo_root, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = invoke("render")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote generated/schema.sql, generated/ERD.md (")
    expected = (repo_root / "generated" / "schema.sql").read_bytes()
    assert (tmp_path / "generated" / "schema.sql").read_bytes() == expected


def test_render_invalid_spec_writes_nothing(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path / "spec",
        PROJECT + "entities:\n  t:\n    columns:\n      id: serial\n"
        "      n: {type: integer, default: none}\n",
    )
    out = tmp_path / "out"
    result = invoke("render", spec, "-o", out)
    assert_input_error(result)
    found = diagnostics_at(result.stderr)
    # the default is reported where it is written
    assert found == [("5", "7", "SG106"), ("6", "35", "SG103")], result.stderr
    assert COUNT_LINE.findall(result.stderr) == [f"2 errors in {spec}"]
    assert not out.exists()


def test_render_invalid_spec_leaves_existing_output_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "schema.sql").write_text("-- old\n")
    (out / "ERD.md").write_text("# old\n")
    spec = write_spec(tmp_path / "spec", PROJECT + "entities:\n  t:\n    colums: {id: bigint}\n")
    result = invoke("render", spec, "-o", out)
    assert_input_error(result)
    assert diagnostics_at(result.stderr) == [("4", "5", "SG003")]
    assert COUNT_LINE.findall(result.stderr) == [f"1 error in {spec}"]
    assert (out / "schema.sql").read_text() == "-- old\n"
    assert (out / "ERD.md").read_text() == "# old\n"
    assert sorted(p.name for p in out.iterdir()) == ["ERD.md", "schema.sql"]


def test_render_to_unwritable_path(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec", VALID)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = invoke("render", spec, "-o", blocker / "out")
    assert_input_error(result)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"cannot write to {blocker / 'out'}: ")
    assert blocker.read_text() == "not a folder\n"


# render with template overrides


def index_template(repo_root: Path) -> str:
    return (repo_root / "templates" / "postgres" / "index.sql.j2").read_text()


def test_spec_templates_folder_overrides_a_builtin(repo_root: Path, tmp_path: Path) -> None:
    spec = copy_example(repo_root, tmp_path)
    custom = index_template(repo_root).replace(
        "{% macro create_index(index, schema) %}\n",
        "{% macro create_index(index, schema) %}\n-- custom index {{ index.name }}\n",
    )
    assert custom != index_template(repo_root)
    (spec / "templates" / "postgres").mkdir(parents=True)
    (spec / "templates" / "postgres" / "index.sql.j2").write_text(custom)
    out = tmp_path / "out"
    result = invoke("render", spec, "-o", out)
    assert result.exit_code == 0, result.output
    sql = (out / "schema.sql").read_text()
    committed = (repo_root / "generated" / "schema.sql").read_text()
    assert "-- custom index users_discriminator_idx\nCREATE INDEX users_discriminator_idx " in sql
    assert sql.count("-- custom index ") == committed.count("CREATE INDEX ") + committed.count(
        "CREATE UNIQUE INDEX "
    )
    assert [line for line in sql.splitlines() if not line.startswith("-- custom index ")] == (
        committed.splitlines()
    )


def test_templates_option_overrides_a_builtin(repo_root: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec", VALID)
    templates = tmp_path / "mine"
    (templates / "postgres").mkdir(parents=True)
    builtin = (repo_root / "templates" / "postgres" / "comment.sql.j2").read_text()
    custom = builtin.replace("IS {{ text | literal }};", "IS {{ ('[custom] ' ~ text) | literal }};")
    assert custom != builtin
    (templates / "postgres" / "comment.sql.j2").write_text(custom)

    plain = invoke("render", spec, "-o", tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    assert "IS 'Someone.';" in (tmp_path / "plain" / "schema.sql").read_text()
    result = invoke("render", spec, "-o", tmp_path / "out", "--templates", templates)
    assert result.exit_code == 0, result.output
    sql = (tmp_path / "out" / "schema.sql").read_text()
    assert "COMMENT ON TABLE public.users IS '[custom] Someone.';" in sql
    assert "IS 'Someone.';" not in sql

    validated = invoke("validate", spec, "--templates", templates)
    assert validated.exit_code == 0, validated.output


BROKEN_TEMPLATES = {
    "jinja-syntax": (
        "{% macro create_index(index, schema) %}\nCREATE INDEX {{ index.name \n{% endmacro %}\n",
        "TemplateSyntaxError",
    ),
    "sql-syntax": (
        "{% macro create_index(index, schema) %}\nCREATE INDEX garbage garbage;\n{% endmacro %}\n",
        "does not parse",
    ),
    "unknown-attribute": (
        "{% macro create_index(index, schema) %}\n{{ index.no_such_field }}\n{% endmacro %}\n",
        "no_such_field",
    ),
    "macro-missing": ("-- this template defines no macro\n", "create_index"),
}


@pytest.mark.parametrize("via_option", [False, True], ids=["spec-folder", "option"])
@pytest.mark.parametrize(
    ("template", "expected"), list(BROKEN_TEMPLATES.values()), ids=list(BROKEN_TEMPLATES)
)
def test_broken_template_is_one_line_exit_2(
    tmp_path: Path, template: str, expected: str, via_option: bool
) -> None:
    spec = write_spec(tmp_path / "spec", VALID)
    templates = tmp_path / "mine" if via_option else spec / "templates"
    (templates / "postgres").mkdir(parents=True)
    (templates / "postgres" / "index.sql.j2").write_text(template)
    out = tmp_path / "out"
    extra = ["--templates", str(templates)] if via_option else []
    result = invoke("render", spec, "-o", out, *extra)
    assert_input_error(result)
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert not out.exists()
    # validate renders what a user's templates make, as render does
    result = invoke("validate", spec, *extra)
    assert_input_error(result)
    assert expected in result.stderr


# validate


def test_validate_valid_spec(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec", VALID)
    result = invoke("validate", spec)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{spec} {VALID_SUMMARY}\n"
    assert result.stderr == ""


def test_validate_example_spec(repo_root: Path) -> None:
    result = invoke("validate", repo_root / "spec")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"\S+spec is valid: \d+ tables, \d+ partitions, \d+ indexes, \d+ views, \d+ enums\n", result.stdout
    )


def test_validate_invalid_spec(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path / "spec",
        PROJECT + "entities:\n  t:\n    columns:\n      owner: {type: bigint, references: u}\n",
    )
    result = invoke("validate", spec)
    assert_input_error(result)
    assert diagnostics_at(result.stderr) == [("5", "29", "SG201")], result.stderr
    assert COUNT_LINE.findall(result.stderr) == [f"1 error in {spec}"]
    assert "\n  = hint: reference one of the spec's entities\n" in result.stderr
    # the line quoted, the reference underlined
    assert "5 |       owner: {type: bigint, references: u}\n  |                             ^^^^^^^^^^\n" in (
        result.stderr
    )


def test_validate_missing_folder(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path / "nowhere")
    assert_input_error(result)
    assert re.match(r"error\[SG001\]: no spec files: \S*nowhere does not exist\n", result.stderr)


def test_validate_yaml_syntax_error(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path / "spec", PROJECT + "entities:\n  users:\n    columns: {id: bigint}}\n  x: {}\n"
    )
    result = invoke("validate", spec)
    assert_input_error(result)
    assert diagnostics_at(result.stderr) == [("4", "26", "SG002")], result.stderr
    assert "YAML syntax error" in result.stderr


def many_errors(tmp_path: Path, count: int) -> Path:
    columns = "".join(f"      c{i}: serial\n" for i in range(count))
    return write_spec(tmp_path / "spec", PROJECT + "entities:\n  t:\n    columns:\n" + columns)


def test_many_diagnostics_are_capped_unless_all_are_asked_for(tmp_path: Path) -> None:
    spec = many_errors(tmp_path, 25)
    result = invoke("validate", spec)
    assert_input_error(result)
    assert len(diagnostics_at(result.stderr)) == 20
    assert result.stderr.endswith(f"\n\n… and 5 more (--show-all prints every one)\n25 errors in {spec}\n")
    for args in (["validate", spec, "--show-all"], ["--show-all", "validate", spec]):
        result = invoke(*args)
        assert len(diagnostics_at(result.stderr)) == 25, args
        assert "more" not in result.stderr


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_colour_when_asked_for(tmp_path: Path) -> None:
    spec = many_errors(tmp_path, 1)
    plain = invoke("validate", spec)
    assert not ANSI.search(plain.stderr)  # not a terminal
    for args in (["validate", spec, "--color", "always"], ["--color", "always", "validate", spec]):
        coloured = invoke(*args)
        assert coloured.stderr.startswith("\x1b[1;31merror[SG106]\x1b[0m"), args
        assert ANSI.sub("", coloured.stderr) == plain.stderr
    assert invoke("validate", spec, "--color", "never").stderr == plain.stderr


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    many_errors(tmp_path, 1)

    def stderr(env: dict[str, str], *args: str) -> str:
        code, _, err = run_on_a_terminal(tmp_path, env, "validate", "spec", *args)
        assert code == 2
        return err

    assert ANSI.search(stderr({"NO_COLOR": ""}))
    assert not ANSI.search(stderr({"NO_COLOR": "1"}))
    assert ANSI.search(stderr({"NO_COLOR": "1"}, "--color", "always"))


# validate --live


def test_validate_live_throwaway_cluster(repo_root: Path) -> None:
    result = invoke("validate", repo_root / "spec", "--live")
    assert result.exit_code == 0, result.output
    assert "valid, and PostgreSQL accepts its DDL: " in result.stdout


def test_validate_dsn_rolls_back(repo_root: Path, pg_dsn: str, pg_conn: psycopg.Connection) -> None:
    assert public_relations(pg_conn) == []
    result = invoke("validate", repo_root / "spec", "--dsn", pg_dsn)
    assert result.exit_code == 0, result.output
    assert "PostgreSQL accepts its DDL" in result.stdout
    assert public_relations(pg_conn) == []
    types = pg_conn.execute("SELECT count(*) FROM pg_type WHERE typname = 'theme'").fetchone()
    assert types == (0,)
    extensions = pg_conn.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'").fetchall()
    assert extensions == []


def test_validate_unreachable_dsn(repo_root: Path) -> None:
    result = invoke("validate", repo_root / "spec", "--dsn", "host=/nonexistent dbname=x")
    assert_input_error(result)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "/nonexistent" in result.stderr


# What the static checks leave to the server: a date spelled in another DateStyle, an operating
# system's locale.
@pytest.mark.parametrize(
    ("column", "refusal"),
    [
        (
            "x: {type: date, check: \"x > 'Jan 32 2024'\"}",
            'date/time field value out of range: "Jan 32 2024"',
        ),
        ("x: {type: date, default: 32/13/2024}", 'date/time field value out of range: "32/13/2024"'),
        ('x: {type: text, collation: "xx_YY"}', 'collation "xx_YY" for encoding "UTF8" does not exist'),
    ],
    ids=["check", "default", "collation"],
)
def test_live_rejects_what_static_checks_accept(
    tmp_path: Path, pg_dsn: str, column: str, refusal: str
) -> None:
    spec = write_spec(
        tmp_path / "spec",
        PROJECT + "entities:\n  t:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
        f"      {column}\n",
    )
    static = invoke("validate", spec)
    assert static.exit_code == 0, static.output
    result = invoke("validate", spec, "--live", "--dsn", pg_dsn)
    assert_input_error(result)
    # at the spec line of the table whose CREATE TABLE the server refused, not at schema.sql's
    shown = result.stdout + result.stderr
    assert "error[SG008]: PostgreSQL rejects the DDL of `t`: " in shown, shown
    assert f" --> {spec}/a.yaml:3:3\n" in shown, shown
    assert refusal in shown
    assert "schema.sql line " in shown


def test_live_places_a_domain_the_server_refuses(tmp_path: Path, pg_dsn: str) -> None:
    domain = 'domains:\n  posint: {type: integer, check: "VALUE > no_such_fn()"}\n'
    spec = write_spec(tmp_path / "spec", PROJECT + domain)
    assert invoke("validate", spec).exit_code == 0
    result = invoke("validate", spec, "--live", "--dsn", pg_dsn)
    assert_input_error(result)
    shown = result.stdout + result.stderr
    assert "error[SG008]: PostgreSQL rejects the DDL of `posint`: " in shown, shown
    assert f"--> {spec}/a.yaml:3:3\n" in shown, shown


# arguments


@pytest.mark.parametrize(
    "args",
    [["frobnicate"], ["validate", "--frobnicate"], ["render", "--live"], ["validate", "a", "b"]],
    ids=["unknown-command", "unknown-option", "option-of-another-command", "extra-argument"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(*args)
    assert_input_error(result)
    assert "Usage: schemagen" in result.stderr
    assert "Error: " in result.stderr


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"schemagen, version {version('schemagen')}\n"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["render", "--help"], ["validate", "--help"]])
def test_help(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: schemagen")
    assert "--help" in result.stdout


def test_top_level_help_lists_commands() -> None:
    result = invoke("--help")
    assert re.search(r"^\s+render\s", result.stdout, re.MULTILINE)
    assert re.search(r"^\s+validate\s", result.stdout, re.MULTILINE)


# python -m schemagen


def test_module_renders_example(repo_root: Path, tmp_path: Path) -> None:
    copy_example(repo_root, tmp_path)
    proc = run_module(tmp_path, "render", "spec", "-o", "out")
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"wrote out/schema\.sql, out/ERD\.md \(\d+ tables, \d+ views\)\n", proc.stdout)
    assert proc.stderr == ""
    for name in ("schema.sql", "ERD.md"):
        assert (tmp_path / "out" / name).read_bytes() == (repo_root / "generated" / name).read_bytes()


def test_module_bad_spec_has_no_traceback(tmp_path: Path) -> None:
    write_spec(tmp_path / "spec", PROJECT + "entities:\n  t:\n    columns:\n      '': text\n")
    proc = run_module(tmp_path, "validate", "spec")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("error[SG404]: ")
    assert "\n --> spec/a.yaml:5:7\n" in proc.stderr
    assert proc.stderr.endswith("\n\n1 error in spec\n")


def test_module_unreachable_dsn_has_no_traceback(repo_root: Path, tmp_path: Path) -> None:
    proc = run_module(tmp_path, "validate", repo_root / "spec", "--dsn", "host=/nonexistent dbname=x")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr


def test_module_version(tmp_path: Path) -> None:
    proc = run_module(tmp_path, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"schemagen, version {version('schemagen')}\n"


def test_drift_that_cannot_be_planned_is_a_diagnostic(
    tmp_path: Path, pg_dsn: str, pg_conn: psycopg.Connection
) -> None:
    """A column the spec types as the database cannot convert to: no plan, one SG952 in the chosen
    format."""
    pg_conn.execute("CREATE TABLE public.events (id bigint, at bigint, PRIMARY KEY (id, at))")
    spec = write_spec(
        tmp_path / "spec",
        PROJECT + "entities:\n  events:\n    columns: {id: bigint, at: timestamptz}\n"
        "    primary_key: [id, at]\n",
    )
    result = invoke("drift", spec, "--dsn", pg_dsn)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(
        "error[SG952]: the difference between the database and the spec cannot be planned: "
        "the type of events.at changes from bigint to timestamp with time zone"
    )
    assert f"\n --> {spec}\n" in result.stderr
    result = invoke("drift", spec, "--dsn", pg_dsn, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={str(spec).replace(':', '%3A')},title=schemagen (SG952)::")


# start-up


HEAVY = ("pglast", "sqlglot", "jinja2", "pydantic", "psycopg", "yaml", "rich", "pygments", "grandalf")


def test_help_imports_no_stage_and_no_heavy_library(tmp_path: Path) -> None:
    """`--help`, a bad flag and completion answer from click alone: the stages (and pglast, pydantic,
    jinja2, sqlglot, psycopg…) are imported inside the commands that need them."""
    probe = (
        "import sys\n"
        "from schemagen.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('schemagen.')))\n"
    )
    for args in (["--help"], ["migrate", "--help"], ["validate", "--frobnicate"]):
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
            check=False,
        )
        heavy, ours = proc.stdout.splitlines()[-2:]
        assert heavy == "[]", (args, heavy)
        assert ours == "['schemagen.cli', 'schemagen.site', 'schemagen.site.command']", (args, ours)


#: Libraries a command imports only when the spec or a flag needs them: psycopg for a database
#: (--live, migrate apply, inspect), sqlglot to name a type that is not PostgreSQL's, rich for progress
#: bars, grandalf and pygments for `docs`, pydantic for a spec the fast reading (parse/fast.py) leaves
#: to it (an invalid one, whose errors pydantic words).
NOT_FOR_THE_EXAMPLE = ("psycopg", "sqlglot", "rich", "pygments", "grandalf", "pydantic")


#: Modules that cost start-up time and that none of those commands needs for the example:
#: importlib.resources (and the zipfile module it brings; the package's data is read as plain files),
#: tarfile (a spec or history read out of git), pglast's deparser, printers and visitors (an
#: expression compared by its deparsed text).
MODULES_NOT_FOR_THE_EXAMPLE = (
    "importlib.resources",
    "zipfile",
    "tarfile",
    "pglast.stream",
    "pglast.printers",
    "pglast.visitors",
)


def test_commands_on_the_example_import_no_library_they_do_not_use(tmp_path: Path) -> None:
    """validate, render, check and diff of the example project (PostgreSQL types only, no database)
    import neither psycopg nor sqlglot, nor what only progress bars and `docs` use, nor pydantic (a
    valid spec is read without it); only diff imports the planner."""
    root = Path(__file__).resolve().parent.parent
    probe = (
        "import sys\n"
        "from schemagen.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(NOT_FOR_THE_EXAMPLE)!r}))\n"
        "print('schemagen.plan' in sys.modules)\n"
        "print('jinja2' in sys.modules)\n"
        f"print(sorted(set(sys.modules) & {set(MODULES_NOT_FOR_THE_EXAMPLE)!r}))\n"
    )
    spec = root / "spec"
    commands = (
        ["validate", str(spec)],
        ["render", str(spec), "-o", str(tmp_path / "out")],
        ["check", str(spec), "--generated", str(root / "generated")],
        ["diff", str(spec), str(spec)],
    )
    for args in commands:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
            check=False,
        )
        heavy, planner, templating, unneeded = proc.stdout.splitlines()[-4:]
        assert heavy == "[]", (args, proc.stdout, proc.stderr)
        assert unneeded == "[]", (args, proc.stdout, proc.stderr)
        # validate without templates of the user's renders nothing: the built-in ones are tested
        assert templating == str(args[0] != "validate"), (args, proc.stdout, proc.stderr)
        # a tree whose snapshot is the spec's has nothing to plan
        assert planner == str(args[0] == "diff"), (args, proc.stdout, proc.stderr)


def test_the_format_names_are_the_formats() -> None:
    from schemagen.cli import FORMAT_NAMES, SHOWN_DIAGNOSTICS
    from schemagen.diagnostics.formats import FORMATS, text

    assert tuple(FORMATS) == FORMAT_NAMES
    assert SHOWN_DIAGNOSTICS == text.LIMIT


# shell completion


def complete(words: str, env_extra: dict[str, str] | None = None) -> list[str]:
    """What bash would offer for the last word of `words` (click's completion protocol)."""
    parts = words.split(" ")
    env = {"_SCHEMAGEN_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    result = CliRunner().invoke(cli, [], prog_name="schemagen", env={**env, **(env_extra or {})})
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_shell_completion_of_commands_options_and_choices() -> None:
    source = CliRunner().invoke(cli, [], prog_name="schemagen", env={"_SCHEMAGEN_COMPLETE": "bash_source"})
    assert source.exit_code == 0
    assert "complete -o nosort -F _schemagen_completion schemagen" in source.stdout
    assert complete("schemagen mi") == ["migrate"]
    assert complete("schemagen migrate a") == ["apply"]
    assert complete("schemagen check --format ") == ["text", "json", "github"]
    assert complete("schemagen validate --co") == ["--color"]
    assert complete("schemagen init") == ["init"]


def test_shell_completion_answers_from_a_real_process_without_the_stages(tmp_path: Path) -> None:
    import os

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "schemagen"],
        cwd=tmp_path,
        env={
            **os.environ,
            "_SCHEMAGEN_COMPLETE": "bash_complete",
            "COMP_WORDS": "schemagen dr",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "plain,drift\n")
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert not imported & {"pglast", "pydantic", "jinja2", "schemagen.pipeline"}


@pytest.mark.parametrize(
    "args", [["migrate", "apply"], ["migrate", "status"], ["migrate", "down", "--to", "0"], ["inspect"]]
)
def test_a_missing_dsn_names_the_environment_variable(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"SCHEMAGEN_DSN": None})
    assert result.exit_code == 2, result.output
    assert "pass --dsn" in result.output and "$SCHEMAGEN_DSN" in result.output, result.output
