"""Every diagnostic code schemagen emits: code, message, fix and documentation in one place.

`docs/diagnostics.md` is generated from this module (`python -m schemagen.diagnostics.rules >
docs/diagnostics.md`) and a test fails when the page is stale, so a code, its message and its
documentation cannot drift.
"""

from __future__ import annotations

from schemagen.diagnostics import Diagnostic, Severity
from schemagen.model import Location
from schemagen.records import dataclass


@dataclass(frozen=True)
class Rule:
    """A diagnostic code. `message` and `hint` are `str.format` templates filled per finding."""

    code: str
    name: str
    message: str
    hint: str
    why: str
    example: str
    severity: Severity = Severity.ERROR

    def __call__(self, loc: Location | None, **fields: object) -> Diagnostic:
        """The finding at `loc` (its end too, when known), message and hint filled from `fields`."""
        return Diagnostic(
            code=self.code,
            message=self.message.format(**fields),
            severity=self.severity,
            hint=self.hint.format(**fields) if self.hint else None,
        ).at(loc)


ALL: list[Rule] = []


def _rule(
    code: str,
    name: str,
    message: str,
    hint: str,
    why: str,
    example: str,
    severity: Severity = Severity.ERROR,
) -> Rule:
    rule = Rule(code, name, message, hint, why, example, severity)
    ALL.append(rule)
    return rule


# --- SG0xx: reading the spec -------------------------------------------------------------------

NO_SPEC = _rule(
    "SG001",
    "no-spec-files",
    "no spec files: {problem}",
    "point the command at a folder holding *.yaml or *.yml files (default: spec/)",
    "A spec is a folder of YAML files; an empty or missing folder is almost always a wrong path.",
    "$ schemagen validate does-not-exist/",
)
YAML_SYNTAX = _rule(
    "SG002",
    "yaml-syntax",
    "YAML syntax error: {problem}",
    "fix the YAML at this line (indentation, a missing `:`, an unclosed quote or bracket)",
    "The file cannot be read at all, so nothing in it can be checked.",
    "entities:\n  users:\n    columns: {id: bigint",
)
UNKNOWN_KEY = _rule(
    "SG003",
    "unknown-key",
    "unknown key `{key}` in {where}{suggestion}",
    "allowed keys here: {allowed}",
    "A misspelt key would otherwise be ignored silently and the schema would quietly lack what "
    "the author meant (an index, a default, a NOT NULL).",
    "entities:\n  users:\n    colums:            # did you mean `columns`?\n      id: bigint",
)
INVALID_VALUE = _rule(
    "SG004",
    "invalid-value",
    "{where}: {problem}",
    "{fix}",
    "The value has the wrong shape or type for its key (a list where a mapping belongs, a string "
    "where a number belongs, a value outside the allowed set).",
    "entities:\n  guilds:\n    partition:\n      hash: {key: id, modulus: four}",
)
DUPLICATE_NAME = _rule(
    "SG005",
    "duplicate-definition",
    "{kind} `{name}` is defined twice: here and at {other}",
    "rename one of them, or delete the copy",
    "Spec files are merged; the same name in two places would make one silently win.",
    "# users.yaml and accounts.yaml both say:\nentities:\n  users: {columns: {id: bigint}}",
)
DUPLICATE_KEY = _rule(
    "SG006",
    "duplicate-key",
    "key `{key}` appears twice in this mapping (first at line {first_line})",
    "keep one of them",
    "YAML loaders keep the last of two equal keys without a word; the first is lost.",
    "columns:\n  id: bigint\n  id: integer",
)
UNKNOWN_MIXIN = _rule(
    "SG007",
    "unknown-mixin",
    "mixin `{name}` is not defined",
    "define it under `mixins:` or use one of: {known}",
    "The entity would silently lack the mixin's columns.",
    "entities:\n  users:\n    mixins: [timestamp]   # the mixin is called timestamps",
)
REJECTED_BY_POSTGRESQL = _rule(
    "SG008",
    "rejected-by-postgresql",
    "PostgreSQL rejects the DDL of `{subject}`: {problem}",
    "change what the spec says of `{subject}`; schema.sql line {line} is the statement",
    "`validate --live` applies the rendered schema.sql to a real server, which has the final word on what "
    "the static checks cannot know (an operator class, a function's argument types); the error is placed "
    "at the spec line of the object whose statement failed.",
    "$ schemagen validate --live",
)

# --- SG1xx: expressions, types, defaults ---------------------------------------------------------

EXPRESSION_SYNTAX = _rule(
    "SG101",
    "expression-syntax",
    "{what} is not a single SQL expression: {problem}",
    "write one SQL expression, e.g. `now()` or `price > 0`; statements and `;` are not allowed",
    "Every expression is parsed with PostgreSQL's own parser before it reaches any SQL we write, "
    "so a typo fails here at its line and text such as `0); DROP TABLE users; --` can never be "
    "smuggled into the schema.",
    'columns:\n  bot: {type: boolean, default: {sql: "false); DROP TABLE users; --"}}',
)
NOT_IMMUTABLE = _rule(
    "SG102",
    "not-immutable",
    "{what}: {problem}",
    "index expressions and predicates, generated columns and partition keys may only call "
    "IMMUTABLE functions",
    "PostgreSQL computes these once and stores the result, so it rejects functions whose result "
    "can change (`CURRENT_DATE`, `now()`, `random()`), depends on the session's TimeZone "
    "(`date(timestamptz)`) or on a setting (1-argument `to_tsvector`).",
    "indexes:\n  - columns: [created_at]\n    where: \"created_at >= CURRENT_DATE - INTERVAL '30 days'\"",
)
DEFAULT_TYPE = _rule(
    "SG103",
    "default-type-mismatch",
    "default {value} does not fit column type {type}",
    "{fix}",
    "A default that cannot be cast to its column's type makes CREATE TABLE or every INSERT fail.",
    'columns:\n  flags: {type: integer, default: "none"}',
)
ENUM_DEFAULT = _rule(
    "SG104",
    "enum-default",
    "default `{value}` is not a value of enum `{enum}`",
    "use one of: {values}",
    "PostgreSQL rejects the default when the table is created.",
    "enums:\n  theme: [dark, light]\nentities:\n  user_settings:\n"
    "    columns:\n      theme: {type: theme, default: blue}",
)
UNKNOWN_TYPE = _rule(
    "SG105",
    "unknown-type",
    "`{type}` is not a PostgreSQL type: {problem}",
    "write a PostgreSQL type such as bigint, varchar(32), text[], timestamptz, or an enum of the spec",
    "The type is parsed so that foreign keys, defaults and migrations can compare types exactly.",
    "columns:\n  name: varchar(",
)
SERIAL_TYPE = _rule(
    "SG106",
    "serial-type",
    "`{type}` creates a sequence outside the table's definition",
    "write `{{type: {base}, identity: always}}` (SQL-standard identity column), or `{{type: {base}, "
    "serial: true}}` to keep a serial",
    "serial types own an implicitly created sequence with separate permissions, and they let "
    "inserts bypass the sequence; identity columns are the SQL-standard replacement. A database that "
    "has serial columns says so with `serial: true`, which names the sequence the spec declares.",
    "columns:\n  id: serial",
)
COLUMN_CONFLICT = _rule(
    "SG107",
    "column-conflict",
    "column `{column}`: {problem}",
    "{fix}",
    "PostgreSQL allows one source of values per column: a default, an identity, or a generated "
    "expression; identity needs an integer type.",
    "columns:\n  id: {type: text, identity: always}",
)
STORAGE_PARAMETER = _rule(
    "SG108",
    "storage-parameter",
    "storage parameter `{name}`: {problem}",
    "{fix}",
    "PostgreSQL refuses an unknown table storage parameter, or a value out of its range, when the table "
    "is created. On a partitioned table the parameters are set on each of its partitions, since "
    "PostgreSQL keeps none on the partitioned table itself.",
    "entities:\n  events:\n    storage: {fillfactor: 5}   # fillfactor takes 10 to 100",
)
SEQUENCE = _rule(
    "SG109",
    "sequence",
    "{what}: {problem}",
    "{fix}",
    "A sequence is smallint, integer or bigint, moves by a non-zero increment between its MINVALUE and "
    "MAXVALUE, starts between them, and is owned by a column of a table in its own schema; a column "
    "numbered by `default: {sequence: name}` names a sequence the spec declares. PostgreSQL refuses "
    "anything else when the sequence, or the table that uses it, is created.",
    "sequences:\n  order_numbers: {type: integer, start: 0}   # below MINVALUE 1",
)
DOMAIN = _rule(
    "SG110",
    "domain",
    "domain `{domain}`: {problem}",
    "{fix}",
    "A domain is a base type with a default, NOT NULL and named checks over `VALUE`; a default that does "
    "not fit the base type, or a check that reads anything but `VALUE`, makes CREATE DOMAIN fail.",
    "domains:\n  positive: {type: integer, check: amount > 0}   # a domain's check reads VALUE",
)

UNKNOWN_FUNCTION = _rule(
    "SG111",
    "unknown-function",
    "{what}: {problem}",
    "call a function PostgreSQL {version} has, with arguments of the types it takes (psql's `\\df name` "
    "lists its forms); cast an argument when its type differs",
    "Every call in a default, check, generated column, index or partition key is resolved against the "
    "catalog of PostgreSQL's built-in functions of `project.postgres` (and of the extensions the project "
    "names), by name, number of arguments and, where they are plain to see (a column, a literal, a cast), "
    "their types: CREATE TABLE or CREATE INDEX would fail with `function … does not exist`.",
    'columns:\n  name: text\nchecks:\n  short: "length(name, 10) < 100"   # length() takes one argument',
)
UNKNOWN_OPERATOR = _rule(
    "SG112",
    "unknown-operator",
    "{what}: {problem}",
    "compare values of types the operator takes: cast one side (`(payload ->> 'n')::int > 5`), or use "
    "another operator",
    "An operator is resolved by its name and its operands' types; PostgreSQL has no `jsonb > integer` or "
    "`integer || integer`, and refuses the DDL with `operator does not exist`.",
    'columns:\n  payload: jsonb\nchecks:\n  big: "payload > 5"',
)
NOT_BOOLEAN = _rule(
    "SG113",
    "not-boolean",
    "{what}: {problem}",
    "write a condition: a comparison (`amount > 0`), IS [NOT] NULL, or a boolean column",
    "A CHECK constraint, an index predicate and the operands of AND, OR, NOT and CASE WHEN are conditions; "
    "PostgreSQL refuses any other type (`argument of CHECK must be type boolean, not type integer`).",
    'columns:\n  amount: integer\nchecks:\n  positive: "amount + 1"',
)
NOT_ALLOWED_IN_EXPRESSION = _rule(
    "SG114",
    "not-allowed-in-expression",
    "{what}: {problem}",
    "{fix}",
    "DDL expressions are computed for one row, with no query around them: PostgreSQL refuses aggregates, "
    "window functions, set-returning functions and subqueries in checks, defaults, generated columns, "
    "index expressions and predicates and partition keys, parameters ($1) anywhere, and column references "
    "in a DEFAULT.",
    'checks:\n  has_rows: "count(*) > 0"',
)
INVALID_LITERAL = _rule(
    "SG115",
    "invalid-literal",
    "{what}: {problem}",
    "write the value as its type spells it (e.g. `'10.0.0.1'::inet`, `'12:30'::time`, `'{{1,2}}'::int[]`)",
    "A quoted literal in DDL is read by its type's input function when the statement runs (a cast, a "
    "comparison with a column, a partition bound), so one that does not parse makes CREATE TABLE or CREATE "
    "INDEX fail.",
    "columns:\n  address: inet\nchecks:\n  private: \"address << '10.0.0.0/33'\"",
)
COLLATION = _rule(
    "SG116",
    "collation",
    "{what}: {problem}",
    "{fix}",
    "A collation applies to text types only (text, varchar, char, citext and arrays of them), and must "
    "exist on the server: PostgreSQL's own (C, POSIX, ucs_basic, default), the ICU collations "
    "(`und-x-icu`, `de-x-icu`…), or an operating system locale such as `en_US.utf8` (which only "
    "`validate --live` can confirm).",
    "columns:\n  id: {type: bigint, collation: C}",
)
TYPE_OR_CAST = _rule(
    "SG117",
    "type-or-cast",
    "{what}: {problem}",
    "cast to a type PostgreSQL has, from a type it converts (through text if need be: `x::text::inet`)",
    "A cast names a type, which must exist, and PostgreSQL converts only between some pairs of types "
    "(`cannot cast type integer to inet`).",
    'checks:\n  valid: "id::inet IS NOT NULL"',
)
EXPRESSION_TYPE = _rule(
    "SG118",
    "expression-type-mismatch",
    "{what} is of type {type}, which a column of {column_type} does not take without a cast",
    "cast the expression (`({expression})::{column_type}`), or change the column's type",
    "A default or generated expression is stored into its column, so its type must convert to the "
    "column's type implicitly or by assignment; otherwise CREATE TABLE fails (`column … is of type integer "
    "but default expression is of type timestamp with time zone`).",
    "columns:\n  seen: {type: integer, default: {sql: now()}}",
)

RELATION_OUTSIDE_THE_SPEC = _rule(
    "SG119",
    "relation-outside-the-spec",
    "{what}: {problem}",
    "create it in the spec (an identity column's sequence is `{{table}}_{{column}}_seq`), or make sure it "
    "exists before schema.sql runs",
    "A regclass literal — the argument of `nextval('orders_id_seq')` — names a relation that must exist when "
    "the DDL runs. A database adopted with `inspect` keeps its serial columns' sequences outside the spec, "
    "so this is a warning: schema.sql applied to an empty database fails unless the relation is created "
    "first.",
    "columns:\n  number: {type: bigint, default: {sql: \"nextval('ticket_numbers')\"}}",
    severity=Severity.WARNING,
)

FUNCTION = _rule(
    "SG120",
    "function",
    "function `{function}`: {problem}",
    "{fix}",
    "A function's arguments and result are types PostgreSQL knows (or the spec's enums, domains and "
    "tables), and a body in `language: sql` must parse as SQL statements, or as one SQL-standard body "
    "(`RETURN expr`, `BEGIN ATOMIC … END`) with nothing after it (a PL/pgSQL body as PL/pgSQL): "
    "CREATE FUNCTION would fail otherwise.",
    "functions:\n  film_count:\n    returns: bigint\n    language: sql\n    body: SELEC count(*) FROM film",
)

TRIGGER = _rule(
    "SG121",
    "trigger",
    "trigger `{trigger}` on `{table}`: {problem}",
    "{fix}",
    "A trigger calls a function of the spec's `functions:` that takes no arguments and returns `trigger` "
    "(or one PostgreSQL or a listed extension ships, such as tsvector_update_trigger or moddatetime), "
    "for events among insert, update (optionally `update of` columns of the table), delete and truncate; "
    "a row-level trigger cannot be on truncate, and only an `instead of` trigger is on a view. CREATE "
    "TRIGGER fails otherwise.",
    "triggers:\n  film_last_updated: {function: film_count, timing: before, events: [update], for_each: row}",
)

GRANT = _rule(
    "SG130",
    "grant",
    "{what}: {problem}",
    "{fix}",
    "A table takes the privileges select, insert, update, delete, truncate, references and trigger (or "
    "`all`), granted to a role by name or to `public`; an owner is a role's name. GRANT and ALTER TABLE "
    "… OWNER TO fail on anything else.",
    "grants:\n  app_reader: [select, usage]   # usage is for sequences and schemas",
)

POLICY = _rule(
    "SG131",
    "policy",
    "policy `{policy}` on `{table}`: {problem}",
    "{fix}",
    "A row-level security policy filters rows with `using` (rows it may see or change) and `with_check` "
    "(rows it may write): a select or delete policy takes no `with_check`, an insert policy no `using`.",
    "policies:\n  own_rows: {for: insert, using: owner = current_user}   # insert takes with_check",
)

UNDECLARED_ROLE = _rule(
    "SG133",
    "undeclared-role",
    "role `{role}`, named by `{table}`, is not declared under `roles:`",
    "declare it under `roles:` (created when absent), or make sure the cluster has it",
    "Roles belong to the cluster, not to a database: a GRANT, OWNER TO or policy naming a role that "
    "does not exist fails. A role the spec declares is created when absent; one it only names must "
    "exist already: `validate --live` fails when the server lacks it.",
    "entities:\n  docs:\n    grants: {app_reader: [select]}   # and no `roles: {app_reader: …}`",
    severity=Severity.WARNING,
)

UNLOGGED = _rule(
    "SG122",
    "unlogged",
    "table `{table}` is UNLOGGED: {problem}",
    "{fix}",
    "An unlogged table skips the write-ahead log: PostgreSQL empties it after a crash and does not "
    "replicate it, so it refuses a partitioned one (its partitions would be lost alike) and a foreign "
    "key from a permanent table to it (the key could point at rows a crash took away).",
    "entities:\n  sessions: {unlogged: true, columns: {...}}\n  audit:\n    columns:\n"
    "      session_id: {type: bigint, references: sessions}   # a permanent table",
)

REPLICA_IDENTITY = _rule(
    "SG132",
    "replica-identity",
    "replica identity of `{table}`: {problem}",
    "{fix}",
    "`replica_identity: {index: name}` names a unique, non-partial index of the table on NOT NULL "
    "columns with no expression: ALTER TABLE … REPLICA IDENTITY USING INDEX refuses any other.",
    "replica_identity: {index: orders_created_at_idx}   # not unique",
)

TRIGGER_FUNCTION_USE = _rule(
    "SG140",
    "trigger-function-use",
    "trigger `{trigger}` on `{table}`: {problem}",
    "{fix}",
    "The trigger functions PostgreSQL and its extensions ship have rules of their own: "
    "tsvector_update_trigger takes a tsvector column, a schema-qualified text search configuration and "
    "text columns; tsvector_update_trigger_column a tsvector column, a regconfig column and text columns; "
    "moddatetime one timestamp column; each one works only in a row-level BEFORE trigger on its events. "
    "CREATE TRIGGER accepts the trigger, and then every write to the table fails.",
    "triggers:\n  fulltext:\n    function: tsvector_update_trigger\n    timing: before\n"
    "    events: [insert, update]\n    for_each: row\n    arguments: [fulltext, english, title]",
)

AGGREGATE = _rule(
    "SG141",
    "aggregate",
    "aggregate `{aggregate}`: {problem}",
    "{fix}",
    "An aggregate folds its rows with a state function that takes the state and the aggregate's "
    "arguments, from a state type PostgreSQL or the spec has; a final function takes the state, a "
    "combine function two states. Each is a function of the spec or one PostgreSQL (or a listed "
    "extension) ships. CREATE AGGREGATE fails otherwise.",
    "functions:\n  group_concat:\n    arguments: [text]\n    aggregate: {state_function: concat_step, "
    "state_type: text}",
)

OVERLOAD = _rule(
    "SG142",
    "function-overload",
    "function `{function}`: {problem}",
    "{fix}",
    "Functions of the same name (overloads) differ by their argument types: each is keyed "
    "`name(types)` under `functions:`, the types those of its `arguments:` (which the key gives when "
    "they are left out). PostgreSQL refuses a second function with the same name and argument types.",
    "functions:\n  area(circle): {arguments: [c box], returns: double precision, language: sql, "
    "body: SELECT area(c)}",
)

POLICY_INACTIVE = _rule(
    "SG143",
    "policy-inactive",
    "policy `{policy}` on `{table}` filters nothing: the table does not have row-level security on",
    "add `row_level_security: true` to the entity, or drop the policies",
    "Policies act only when the table has `row_level_security` on. PostgreSQL keeps policies on a table "
    "without it (databases hold such tables, and inspect writes them as they are): they start to filter "
    "rows the moment it is turned on.",
    "entities:\n  film:\n    columns: {id: bigint}\n    policies:\n      own: {using: id > 0}",
    Severity.WARNING,
)

USER_TYPE = _rule(
    "SG150",
    "user-type",
    "type `{type}`: {problem}",
    "{fix}",
    "Under `types:` each entry is a composite type (`composite: {attribute: type}`, `CREATE TYPE … AS "
    "(…)`) or a range type (`range: {subtype: …}`, `CREATE TYPE … AS RANGE (…)`), never both. An "
    "attribute's type must exist before the type: a PostgreSQL type, or an enum, domain or type of the "
    "spec other than the type itself (PostgreSQL refuses a composite type that holds itself).",
    "types:\n  address: {composite: {street: text, city: text, zip: varchar(10)}}\n"
    "  floatrange: {range: {subtype: float8, subtype_diff: float8mi}}",
)

EXCLUSION = _rule(
    "SG135",
    "exclusion-constraint",
    "exclusion constraint of `{table}`: {problem}",
    "{fix}",
    "An exclusion constraint keys each element on a column of the table or an expression, compared with "
    "an operator (`WITH &&`), through an index access method that can check it one row at a time (gist, "
    "spgist, btree, hash). ALTER TABLE … ADD CONSTRAINT … EXCLUDE fails otherwise. `=` on a scalar "
    "column under gist needs the `btree_gist` extension.",
    "exclude:\n  - using: gist\n    elements: [{column: room, with: '='}, {column: during, with: '&&'}]",
)

FK_TARGET_DEFERRABLE = _rule(
    "SG136",
    "fk-target-deferrable",
    "`{ref}` is referenced, but its key `{key}` is DEFERRABLE",
    "drop `deferrable` from `{key}`, or reference another key",
    "PostgreSQL refuses a foreign key to a deferrable primary key or unique constraint (`cannot use a "
    "deferrable unique constraint for referenced table`): the referenced rows must be unique at every "
    "moment, not only at commit.",
    "primary_key: {columns: [id], deferrable: true}   # and another entity `references` it",
)

CONSTRAINT_STATE = _rule(
    "SG137",
    "constraint-state",
    "{constraint} of `{table}` {problem}, which a partitioned table cannot hold",
    "{fix}",
    "PostgreSQL refuses a NO INHERIT check on a partitioned table (`cannot add NO INHERIT constraint to "
    "partitioned table`), and a NOT VALID check or foreign key there: every partition is checked when "
    "it is added.",
    "partition: {by: range, key: created_at}\nchecks:\n  positive: {expression: n > 0, no_inherit: true}",
)

INDEX_STORAGE = _rule(
    "SG138",
    "index-storage",
    "index `{index}`: {problem}",
    "{fix}",
    "Each index access method has its own storage parameters (btree: fillfactor, deduplicate_items; "
    "hash, spgist: fillfactor; gist: fillfactor, buffering; gin: fastupdate, gin_pending_list_limit; brin: "
    "pages_per_range, autosummarize), each with its range. CREATE INDEX fails on any other.",
    "indexes:\n  - {columns: [tags], using: gin, storage: {fillfactor: 70}}   # gin has no fillfactor",
)
AMBIGUOUS_TABLE = _rule(
    "SG139",
    "ambiguous-table",
    "{what} `{name}` could be any of {tables}",
    "write the table's key: {keys}",
    "The spec keys tables of one name in several schemas `schema.name`; a bare name that matches none "
    "of their keys but several of their names cannot tell which one is meant (PostgreSQL would take "
    "the first one its search path finds, which need not be the one you mean).",
    "entities:\n  tenant_a.accounts: {columns: {id: bigint}, distribute: {by: id}}\n"
    "  tenant_b.accounts: {columns: {id: bigint}, distribute: {by: id}}\n"
    "  invoices:\n    columns: {account_id: bigint}\n"
    "    distribute: {by: account_id, colocate_with: accounts}   # tenant_a.accounts or tenant_b.accounts?",
)

# --- SG2xx: references -----------------------------------------------------------------------

UNKNOWN_TABLE = _rule(
    "SG201",
    "unknown-table",
    "{what} `{name}` is not an entity of the spec{suggestion}",
    "reference one of the spec's entities",
    "A foreign key or relationship to a table that does not exist fails when the DDL is applied.",
    "columns:\n  owner_id: {type: bigint, references: user}   # the entity is users",
)
UNKNOWN_REFERENCED_COLUMN = _rule(
    "SG202",
    "unknown-referenced-column",
    "`{table}` has no column `{column}`{suggestion}",
    "reference a column of `{table}`",
    "The foreign key cannot be created.",
    "columns:\n  owner_id: {type: bigint, references: users.uid}",
)
FK_TYPE_MISMATCH = _rule(
    "SG203",
    "fk-type-mismatch",
    "`{column}` is {type} but it references `{ref}` which is {ref_type}",
    "give `{column}` the type {ref_type}",
    "PostgreSQL accepts some mismatched pairs (integer → bigint) but then joins need casts, the "
    "index on the key may not be used, and values outside the smaller type fail at run time.",
    "columns:\n  owner_id: {type: integer, references: users}   # users.id is bigint",
)
FK_TARGET_NOT_UNIQUE = _rule(
    "SG204",
    "fk-target-not-unique",
    "`{ref}` is not a primary key or unique constraint of `{table}`",
    "reference the primary key of `{table}` ({pk}), or declare `unique: [[{columns}]]` on it",
    "PostgreSQL requires a unique constraint on exactly the referenced columns. On a partitioned "
    "table that key must also hold the partition key, so a single-column reference to messages(id) "
    "is impossible when messages is partitioned by created_at.",
    "columns:\n  message_id: {type: bigint, references: messages}   # messages' key is (id, created_at)",
)
FK_ARITY = _rule(
    "SG205",
    "fk-column-count",
    "the foreign key has {count} column(s) but references {ref_count}",
    "list as many referenced columns as referencing ones, in the same order",
    "Each referencing column pairs with one referenced column.",
    "foreign_keys:\n  - {columns: [message_id], references: {table: messages, columns: [id, created_at]}}",
)

# --- SG3xx: partitioning -----------------------------------------------------------------------

PARTITION_KEY_NOT_IN_UNIQUE = _rule(
    "SG301",
    "partition-key-not-in-unique",
    "{constraint} of partitioned table `{table}` lacks the partition key column(s) {missing}",
    "add them: {suggestion}",
    "PostgreSQL enforces uniqueness per partition, so a primary key or unique constraint on a "
    "partitioned table must contain every partition key column.",
    "messages:\n  columns: {id: {type: bigint, primary_key: true}, created_at: timestamptz}\n"
    "  partition: {range: {key: created_at, every: month, from: 2024-01-01, to: 2025-01-01}}",
)
EXPRESSION_KEY_WITH_UNIQUE = _rule(
    "SG302",
    "expression-partition-key-with-unique",
    "`{table}` is partitioned by an expression and has a {constraint}",
    "partition by a plain column, or drop the primary key / unique constraint",
    "PostgreSQL cannot enforce a unique constraint when the partition key is an expression.",
    "partition: {range: {key: \"date_trunc('month', created_at)\", bounds: {...}}}",
)
HASH_MODULUS = _rule(
    "SG303",
    "hash-modulus",
    "hash modulus must be a whole number from 0 to 1024, not {value}",
    "write e.g. `modulus: 4` (one partition per remainder), or 0 for none yet",
    "A hash-partitioned table has `modulus` partitions, one per remainder; 0, none yet (a table no row "
    "can go into until its partitions are made, as PostgreSQL allows).",
    "partition:\n  hash: {key: id, modulus: -1}",
)
RANGE_OVERLAP = _rule(
    "SG304",
    "range-overlap",
    "range partition `{name}` [{start}, {end}) overlaps `{other}` [{other_start}, {other_end})",
    "make the bounds adjacent: each `to` is the next `from`",
    "PostgreSQL rejects a partition whose bounds overlap another's.",
    "bounds:\n  p2024: [2024-01-01, 2025-01-01]\n  p2024b: [2024-06-01, 2025-06-01]",
)
RANGE_GAP = _rule(
    "SG305",
    "range-gap",
    "range partitions leave a gap: nothing holds [{start}, {end})",
    "extend a neighbour's bound, or set `default: true` to catch rows in gaps; a gap kept on purpose "
    "refuses those rows",
    "Inserting a row that falls into a gap fails with 'no partition of relation found for row'. "
    "PostgreSQL allows gaps (databases hold them, and inspect writes them as they are), so a gap is a "
    "warning.",
    "bounds:\n  p2023: [2023-01-01, 2024-01-01]\n  p2025: [2025-01-01, 2026-01-01]",
    Severity.WARNING,
)
LIST_DUPLICATE = _rule(
    "SG306",
    "list-value-twice",
    "list value {value} appears in partition `{name}` and in `{other}`",
    "list each value in one partition only",
    "PostgreSQL rejects two list partitions that share a value.",
    "list:\n  key: region\n  values: {eu: [de, fr], west: [fr, us]}",
)
PARTITION_KEY_COLUMN = _rule(
    "SG307",
    "partition-key-column",
    "partition key `{key}` is not a column of `{table}`{suggestion}",
    "partition by one of the table's columns, or write an expression",
    "The table cannot be created.",
    "partition:\n  hash: {key: guild, modulus: 4}",
)
RANGE_WINDOW = _rule(
    "SG308",
    "range-window",
    "range window: {problem}",
    "{fix}",
    "Window partitions are generated from `every`, `from` and `to`; the window must be non-empty "
    "and aligned to its period so every child has the same width.",
    "range: {key: created_at, every: month, from: 2024-01-15, to: 2024-01-01}",
)
PARTITION_KEY_TYPE = _rule(
    "SG309",
    "partition-key-type",
    "`{key}` is {type}: {problem}",
    "{fix}",
    "Time windows need a date or timestamp key; the bounds are written for that type.",
    "range: {key: id, every: month, from: 2024-01-01, to: 2025-01-01}   # id is bigint",
)

PARTITION_NAMES = _rule(
    "SG310",
    "partition-names",
    "`names:` pins partition `{key}`, which `{table}` does not have at this level{suggestion}",
    "key `names:` by a partition's suffix: {known}",
    "`names:` replaces the generated name of the partition with that suffix (`p0` for hash remainder 0, "
    "`2024_01` for a month of a window, a bound's or list's own key, `default`); a key that matches "
    "none pins nothing.",
    "partition:\n  hash: {key: id, modulus: 4}\n  names: {p4: orders_shard_4}",
)

# --- SG4xx: names --------------------------------------------------------------------------------

WINDOW_POLICY = _rule(
    "SG311",
    "window-policy",
    "time window kept over time: {problem}",
    "{fix}",
    "`premake`, `retain` and `expire` make `schemagen partitions maintain` and the `schemagen_maintain()` "
    "function create a window's future periods and expire its old ones; they need a first-level window "
    "of plain partitions, a retention in days, weeks, months or years, and an archive table to archive "
    "into.",
    "partition:\n  range: {key: created_at, every: month, from: 2025-01-01, premake: 3, retain: 13 months, "
    "expire: archive}   # no `archive:` on the entity",
)
PARTITION_OBJECTS = _rule(
    "SG312",
    "partition-objects",
    "`objects` of `{table}`'s partitions: {problem}",
    "{fix}",
    "`partition: {objects: {p2022_01: {indexes: [...], foreign_keys: [...]}}}` gives one leaf partition "
    "indexes and foreign keys its parent lacks; the key names a leaf partition the spec declares, by its "
    "name or by what follows `{table}_` in it.",
    "partition:\n  range: {key: paid_at, every: month, from: 2022-01-01, to: 2022-03-01}\n  objects:\n"
    "    p2023_01: {indexes: [{columns: [customer_id]}]}   # no such partition",
)
UNKNOWN_COLUMN = _rule(
    "SG401",
    "unknown-column",
    "{what} names `{column}`, which is not a column of `{table}`{suggestion}",
    "name one of the columns of `{table}`",
    "Indexes and constraints on missing columns fail when the DDL is applied.",
    "guilds:\n  indexes:\n    - columns: [member_count]   # guilds has no member_count",
)
DUPLICATE_OBJECT = _rule(
    "SG402",
    "duplicate-object-name",
    "{kind} `{name}` has the same name as {other_kind} at {other}",
    "give one of them another `name:`",
    "Tables, views, indexes, sequences and types share one namespace per schema, and constraint "
    "names must be unique per table; PostgreSQL rejects the second object.",
    "indexes:\n  - {columns: [username], name: users}",
)
NAME_TOO_LONG = _rule(
    "SG403",
    "name-too-long",
    "`{name}` is {length} bytes; PostgreSQL names are at most 63",
    "shorten it (generated names are shortened for you with a stable hash suffix)",
    "PostgreSQL silently truncates longer names, so two long names can collide and a migration "
    "looking for the full name finds nothing.",
    "entities:\n  a_table_name_that_goes_on_and_on_and_on_well_past_sixty_three_bytes: {...}",
)
INVALID_NAME = _rule(
    "SG404",
    "invalid-name",
    "`{name}` is not a valid name for {what}",
    "give a name of at least one character, without a NUL character",
    "Any name PostgreSQL accepts as a quoted identifier is a name (`Foobar`, `uq:fullName`, `bıgınt`), "
    "quoted wherever schemagen writes it; an empty name or one holding a NUL character is none.",
    "columns:\n  '': text",
)
NAMING_TEMPLATE = _rule(
    "SG405",
    "naming-template",
    "naming template `{template}`: {problem}",
    "use only the placeholders {placeholders}",
    "Generated names come from these templates; an unknown placeholder cannot be filled.",
    'naming:\n  index: "{{tbl}}_{{columns}}_idx"',
)
DUPLICATE_COLUMN = _rule(
    "SG406",
    "duplicate-column",
    "`{column}` is listed twice in {what}",
    "list each column once",
    "PostgreSQL rejects a key or index that names a column twice.",
    "primary_key: [guild_id, guild_id]",
)
PRIMARY_KEY_TWICE = _rule(
    "SG407",
    "primary-key-twice",
    "`{table}` declares its primary key twice ({first} and {second})",
    "keep either `primary_key: true` on one column or the entity's `primary_key: [...]`",
    "A table has one primary key.",
    "columns: {id: {type: bigint, primary_key: true}}\nprimary_key: [id, created_at]",
)

RESERVED_SCHEMA = _rule(
    "SG408",
    "reserved-schema",
    "`{schema}` cannot hold the spec's objects: {problem}",
    "choose another schema name",
    "PostgreSQL reserves schema names starting with `pg_` (`unacceptable schema name`), and pg_catalog, "
    "pg_toast and information_schema are its own: tables there cannot be created, or mix with the "
    "system's.",
    "project:\n  schema: pg_app",
)
TOO_MANY_COLUMNS = _rule(
    "SG409",
    "too-many-columns",
    "`{table}` has {count} columns; a PostgreSQL table has at most 1600",
    "split the table, or move rarely used columns into a jsonb column",
    "PostgreSQL refuses a table of more than 1600 columns (`tables can have at most 1600 columns`), "
    "mixins' columns included.",
    "entities:\n  wide:\n    columns: {c1: int, c2: int, …, c1601: int}",
)
INDEX_ACCESS_METHOD = _rule(
    "SG410",
    "index-access-method",
    "index `{index}`: {problem}",
    "{fix}",
    "Each index access method supports some features only (`pg_indexam_has_property`): btree does "
    "everything; hash takes one column and no INCLUDE; gin and brin take no INCLUDE; gist and spgist no "
    "UNIQUE, spgist one column; only btree knows ASC/DESC and NULLS FIRST/LAST. PostgreSQL refuses the "
    "others when the index is created.",
    "indexes:\n  - {columns: [guild_id, user_id], using: hash}",
)
OPERATOR_CLASS = _rule(
    "SG411",
    "operator-class",
    "{what}: {problem}",
    "{fix}",
    "An index (and a primary key, unique constraint or partition key, which build one or need one) "
    "compares a column through an operator class of its access method: the one named after the column, "
    "which must exist and accept the column's type, or the type's default one for that method, which "
    "some types lack (no btree for json or point, no gin for varchar, no gist for bigint without "
    "btree_gist).",
    "indexes:\n  - {using: gin, columns: [username]}   # varchar: write `username gin_trgm_ops` (pg_trgm)",
)
SCHEMA_TWICE = _rule(
    "SG413",
    "schema-twice",
    "schema `{schema}` is listed twice in `project.schemas`",
    "list each schema once",
    "A declared schema is created once, with one comment; a second entry could only contradict the first.",
    "project:\n  schemas: [reporting, {name: reporting, comment: Monthly reports}]",
)

# --- SG5xx: views --------------------------------------------------------------------------------

CONCURRENT_REFRESH = _rule(
    "SG501",
    "concurrent-refresh-needs-unique",
    "materialized view `{view}` is refreshed concurrently but {problem}",
    "add `unique: [col, ...]` naming plain output columns of the query",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on plain columns of the view "
    "(no expression, no WHERE); without it every refresh fails.",
    "daily_message_stats:\n  materialized: true\n  refresh: concurrently\n  query: SELECT ...",
)
VIEW_UNKNOWN_RELATION = _rule(
    "SG502",
    "view-unknown-relation",
    "view `{view}` reads `{name}`, which is neither an entity nor a view of the spec{suggestion}",
    "define `{name}` in the spec, or schema-qualify it (`{hint_name}`)",
    "The view cannot be created, and schemagen orders views by what they read. The error is at the name "
    "in the query, with the closest entity or view named when one is close.",
    "views:\n  stats: {query: SELECT count(*) FROM guild}   # the entity is guilds",
)
VIEW_UNKNOWN_COLUMN = _rule(
    "SG505",
    "view-unknown-column",
    "view `{view}` reads `{name}`, but {problem}{suggestion}",
    "{fix}",
    "PostgreSQL rejects the view when it is created (`column t.assignee does not exist`), and a migration "
    "that creates it fails there. The query's names are resolved as PostgreSQL resolves them, against the "
    "spec's tables and views: its FROM items (aliases, schema-qualified names, CTEs, subqueries, joins), "
    "`t.column` in the item named `t`, a bare column in any item that has it, an output column's name in "
    "GROUP BY and ORDER BY, correlated subqueries through the query around them. What cannot be known is "
    "accepted: a table outside the spec's schemas, a function in FROM without a column list, `*` over "
    "either. The error is at the reference in the query.",
    "entities:\n  tasks: {columns: {id: bigint, assignee_id: bigint}}\nviews:\n"
    "  open_tasks: {query: SELECT t.id, t.assignee FROM tasks t}   # the column is assignee_id",
)
VIEW_CYCLE = _rule(
    "SG503",
    "view-cycle",
    "views read each other in a cycle: {cycle}",
    "break the cycle; a view cannot depend on itself",
    "No order of CREATE VIEW statements can create them.",
    "views:\n  a: {query: SELECT * FROM b}\n  b: {query: SELECT * FROM a}",
)
VIEW_OPTION = _rule(
    "SG504",
    "view-option",
    "view `{view}`: {problem}",
    "{fix}",
    "`unique`, `refresh` and `populated` apply to materialized views only.",
    "views:\n  v: {query: SELECT 1 AS x, unique: [x]}",
)

# --- SG6xx: project-wide -----------------------------------------------------------------------

VERSION_FEATURE = _rule(
    "SG601",
    "needs-newer-postgres",
    "{feature} needs PostgreSQL {needed}; project.postgres is {version}",
    "raise `project.postgres` to {needed}, or do without {feature}",
    "`project.postgres` is the oldest server the DDL must run on.",
    "project: {postgres: 14}\nentities:\n  t: {unique: [{columns: [a], nulls_not_distinct: true}]}",
)
RELATIONSHIP = _rule(
    "SG602",
    "relationship",
    "many_to_many: {problem}",
    "{fix}",
    "The junction table is generated from both sides' primary keys.",
    "relationships:\n  - many_to_many: [guilds, users]\n    through: guilds",
)
ARCHIVE = _rule(
    "SG603",
    "archive",
    "archive of `{table}`: {problem}",
    "{fix}",
    "Rows move to the archive by comparing a date or timestamp column with a cutoff.",
    "archive: {after: 365 days, column: content}",
)

ALLOW_DESTRUCTIVE = _rule(
    "SG604",
    "allow-destructive",
    "`allow_destructive` entry `{entry}` allows nothing{suggestion}",
    "write `all`, or one of: drop table TABLE, drop column TABLE.COLUMN, narrow TABLE.COLUMN, "
    "shrink TABLE, enum ENUM, drop extension NAME",
    "An entry that names no kind of destructive change matches no change, so the change it was meant "
    "to allow is still refused, or worse, a typo is mistaken for a permission.",
    "project:\n  allow_destructive: [drop colum users.phone]",
)

UNKNOWN_EXTENSION = _rule(
    "SG605",
    "unknown-extension",
    "extension `{name}` {problem}{suggestion}",
    "check the name (`SELECT name FROM pg_available_extensions` lists what a server can install); for an "
    "extension of your own, write `{{name: {name}, custom: true}}`",
    "`CREATE EXTENSION` fails for a name the server does not offer, so a misspelt name (`pg_trgrm`) would "
    "fail only at deploy. schemagen knows the extensions that come with each PostgreSQL version it "
    "supports (contrib modules, procedural languages and their transforms) and the best-known others "
    "(postgis, vector, timescaledb, citus, pg_partman, pg_cron…). Any other name is a warning, not an "
    "error, since a server may have extensions of its own: declare such an extension `custom`, and what "
    "the spec calls from it is accepted unchecked; `validate --live` proves the server has it.",
    "project:\n  extensions: [pg_trgrm]   # pg_trgm",
    Severity.WARNING,
)
MISSING_EXTENSION = _rule(
    "SG606",
    "missing-extension",
    "{what}: {problem}",
    "add it: `project: {{extensions: [{extension}]}}`",
    "A type, function, operator or operator class that comes with an extension exists only once the "
    'extension is created (`type "citext" does not exist`); and `CREATE EXTENSION` without CASCADE '
    "needs the extensions it requires created first.",
    "columns:\n  email: citext   # project.extensions lacks citext",
)

# --- SG7xx: the CI gate (`schemagen check`), migrations and the database ------------------------------

STALE_OUTPUT = _rule(
    "SG701",
    "stale-generated",
    "{file} is stale: it differs from a fresh render of the spec{detail}",
    "run `schemagen render` and commit the result",
    "generated/ is what reviewers read and what deploys apply; it must be exactly what the spec renders.",
    "$ vim spec/users.yaml      # and forget to run schemagen render",
)
UNMIGRATED_CHANGE = _rule(
    "SG702",
    "unmigrated-change",
    "the spec has changes that no migration covers: {summary}",
    "run `schemagen migrate new NAME` and commit the migration",
    "generated/snapshot.json is the schema as of the newest migration; a spec that differs from it has "
    "changes a deploy would never apply.",
    "$ vim spec/users.yaml && schemagen render      # but no `schemagen migrate new`",
)
MIGRATION_CHANGED = _rule(
    "SG703",
    "migration-changed",
    "{problem}",
    "restore the migration files from version control, or plan the change as a new migration",
    "An applied migration is history: editing, removing or reordering one makes databases that ran the "
    "old text differ from databases that run the new one. checksums.sum chains every file's hash.",
    "$ vim generated/migrations/0001_initial.up.sql",
)
HISTORY_DIFFERS = _rule(
    "SG705",
    "history-differs",
    "replaying the migrations does not give schema.sql's database: {difference}",
    "regenerate the migration that drifted, or re-render schema.sql",
    "`check --live` proves that a database built by migrations equals one built from schema.sql, so a "
    "hand-edited schema.sql or a planner bug cannot hide.",
    "$ schemagen check --live",
)
UNPLANNABLE = _rule(
    "SG706",
    "unplannable-change",
    "{what} cannot be planned: {problem}",
    "change the spec as the message says, then run the command again",
    "Some changes have no safe migration (a domain's new NOT NULL or check while arrays of it are "
    "stored, the type of a partition key column). `check` and `migrate new` report them for the spec's "
    "pending change, `drift` and `migrate baseline` for the difference between a database and the schema "
    "it should have.",
    "columns:\n  at: date      # was timestamptz, and the partition key is `at`",
)
DRIFT = _rule(
    "SG707",
    "drift",
    "the database differs from the spec: {change} ({kind} {target})",
    "migrate the database (`schemagen migrate apply`), or bring the change into the spec",
    "`schemagen drift` plans from the live database to the spec with the migration planner; each "
    "operation it needs is a difference someone made by hand, or a migration not applied.",
    "$ schemagen drift --dsn postgresql://app@db/app --format github",
)
MIGRATION_REFUSED = _rule(
    "SG708",
    "migration-refused",
    "refused, nothing was run: {problem}",
    "restore the migration files from version control, or run the command the message names; nothing "
    "was run, so there is nothing to undo",
    "`migrate apply`, `down` and `baseline` first compare the migrations on disk with the history the "
    "database records (checksums, order, a migration left part-way) and run nothing when they disagree: "
    "running SQL the database was not written for could lose data.",
    "$ vim generated/migrations/0001_initial.up.sql && schemagen migrate apply   # 0001 is already applied",
)
MIGRATION_FAILED = _rule(
    "SG709",
    "migration-failed",
    "{reason}",
    "{after}",
    "A statement of a migration failed in the database (a duplicate row under a new unique index, a lock "
    "not granted in time, a missing privilege). A transactional file is rolled back whole; a "
    "no-transaction file keeps the steps it finished and resumes at the failed one on the next run.",
    "$ schemagen migrate apply   # users has two rows with the same email; 0003 adds a unique index",
)
BASELINE_DIFFERS = _rule(
    "SG710",
    "baseline-differs",
    "the database does not have the schema of {migration}, so nothing was recorded: {change} "
    "({kind} {target})",
    "bring the database to that schema, or baseline at the migration whose schema it has (`--to N`)",
    "`migrate baseline` records migrations as applied without running them, so it first proves the "
    "database has their schema: it plans from the database to that schema, and each planned operation is "
    "a difference.",
    "$ schemagen migrate baseline --dsn postgresql://app@db/app   # someone added a column by hand",
)
MAINTENANCE_FAILED = _rule(
    "SG711",
    "maintenance-failed",
    "{operation}: {reason}",
    "what ran before it is done and stays done: fix the cause and run `schemagen partitions maintain` "
    "again, which goes on from what the database holds",
    "`schemagen partitions maintain` creates and expires the periods of the windows kept over time one "
    "step at a time; a step that fails (a lock not granted after its retries, rows that other tables "
    "still reference when a period is detached) stops the run.",
    "$ schemagen partitions maintain --dsn postgresql://app@db/app   # expire: detach, and message_edits "
    "references the period's rows",
)
MAINTENANCE_BEHIND = _rule(
    "SG712",
    "maintenance-behind",
    "{table}: {problem}",
    "run `schemagen partitions maintain`, and schedule it (or `schemagen_maintain()` with pg_cron)",
    "A window kept with `premake` needs its future periods made ahead of time; when they are missing, new "
    "rows go into the DEFAULT partition, or are refused without one. `drift` counts the periods "
    "maintenance made or expired as in sync, and reports the ones it should have made by now.",
    "$ schemagen drift --dsn postgresql://app@db/app   # the cron job stopped in March",
)


# --- SG8xx: distributed tables (Citus) ------------------------------------------------------------

COLOCATION = _rule(
    "SG801",
    "colocation",
    "`{table}` cannot be colocated with `{other}`: {problem}",
    "{fix}",
    "Citus keeps the shards of colocated tables on the same nodes so that joins and foreign keys between "
    "them stay local. It can only colocate hash-distributed tables whose distribution columns have the "
    "same type and that have the same number of shards; `create_distributed_table` refuses anything "
    'else ("cannot colocate tables").',
    "entities:\n  channels:\n    distribute: {by: guild_id, colocate_with: users}   # a reference table",
)
DISTRIBUTED_UNIQUE = _rule(
    "SG802",
    "distributed-unique",
    "{what} of `{table}` does not include its distribution column `{column}`",
    "add `{column}` to it, or make `{table}` a reference table (`distribute: reference`)",
    "Citus keeps each shard of a hash-distributed table on its own, so it can enforce uniqueness only "
    "within a shard: a primary key, unique constraint or unique index must contain the distribution "
    'column, which keeps equal keys in one shard ("cannot create constraint", "creating unique indexes '
    'on non-partition columns is currently unsupported").',
    "entities:\n  channels:\n    columns: {id: bigint, guild_id: bigint}\n    primary_key: [id]\n"
    "    distribute: {by: guild_id}",
)
DISTRIBUTED_FOREIGN_KEY = _rule(
    "SG803",
    "distributed-foreign-key",
    "foreign key `{name}` of `{table}`: {problem}",
    "{fix}",
    "Citus checks foreign keys inside one node: between colocated hash-distributed tables on their "
    "distribution columns, or from a distributed table to a reference table (copied to every node). "
    "It refuses a key from a reference table to a distributed one, a key between tables that are not "
    "colocated, and a key whose ON DELETE or ON UPDATE action would change a distribution column; a key "
    "from a plain table to a distributed one is accepted but not enforced on deletes.",
    "entities:\n  members:\n    columns:\n      guild_id: {type: bigint, references: guilds}\n"
    "    distribute: reference   # guilds is distributed",
)
DISTRIBUTION_COLUMN = _rule(
    "SG804",
    "distribution-column",
    "`{table}` is distributed by `{column}`: {problem}",
    "{fix}",
    "Every row's shard is chosen by hashing its distribution column: the column needs a hash function "
    '(a default hash operator class), cannot be a generated column, and cannot hold NULL ("cannot perform '
    'an INSERT with NULL in the partition column").',
    "entities:\n  events:\n    columns: {tenant_id: bigint?}\n    distribute: {by: tenant_id}",
)
DISTRIBUTED_PARTITIONING = _rule(
    "SG805",
    "distributed-partitioning",
    "`{table}`: {problem}",
    "{fix}",
    "Citus distributes a partitioned table with its partitions, hash-distributed only and on one level of "
    'partitioning ("partitioned reference tables are not supported", "distributing multi-level '
    'partitioned tables is not supported").',
    "entities:\n  events:\n    partition:\n"
    "      range: {key: at, every: month, from: 2025-01-01, to: 2026-01-01}\n"
    "    distribute: reference",
)
CITUS_EXTENSION = _rule(
    "SG806",
    "citus-extension",
    "`{table}` is distributed, but the project does not name the `citus` extension",
    "add it: `project: {{extensions: [citus]}}`",
    "Distributed and reference tables exist only on a Citus cluster; naming the extension makes "
    "schema.sql say so and lets `validate --live` and `check --live` use a Citus cluster.",
    "project: {name: app}\nentities:\n  users:\n    distribute: reference",
)
DISTRIBUTED_IDENTITY = _rule(
    "SG807",
    "distributed-identity",
    "`{table}.{column}` is an identity column of a {kind} table: {problem}",
    "{fix}",
    "Citus accepts identity columns when a table is distributed, but then refuses to change them, and "
    'refuses alter_distributed_table and undistribute_table on the table ("cannot complete operation on a '
    'table with identity column"); integer and smallint sequences cannot be used from worker nodes.',
    "entities:\n  guilds:\n    columns: {id: {type: integer, identity: always}}\n    distribute: {by: id}",
    severity=Severity.WARNING,
)
DISTRIBUTED_SCHEMA = _rule(
    "SG808",
    "distributed-schema",
    "{subject}: {problem}",
    "{fix}",
    "Schema-based sharding (`citus: {distributed_schemas: [...]}`, `citus_schema_distribute`) keeps "
    "every table of a schema in one shard, all of them on one node. Citus refuses to distribute `public` "
    '("public schema cannot be distributed") and a schema holding reference or hash-distributed tables '
    '("distributed schema cannot have distributed tables"); a table of a distributed schema may reference '
    'only tables of its own schema and reference tables ("foreign keys from distributed schemas can only '
    'point to the same distributed schema or reference tables in regular schemas"), and no table of '
    'another schema may reference it ("cannot create foreign keys to tables in a distributed schema from '
    'another schema").',
    "project:\n  extensions: [citus]\n  citus: {distributed_schemas: [tenant_a]}\nentities:\n"
    "  orders:\n    schema: tenant_a\n    distribute: {by: id}   # the schema already shards it",
)

# --- SG9xx: migration hazards (in migration headers, `migrate new`, `check`) ------------------------
# SG90x data is lost (or not restored by a down); SG92x a rewrite or a long lock; SG93x the migration
# depends on the rows. Destructive ones (SG901–SG905, SG907) are refused unless `allow_destructive`
# names them: `check` and `migrate new` report each under its own code, at the spec line of what it
# changes.

DROP_TABLE = _rule(
    "SG901",
    "drop-table",
    "drops table {table} and every row in it",
    "keep the entity, or allow it: `allow_destructive: [drop table {table}]`",
    "An entity removed from the spec drops its table; the rows cannot come back, not even by the down "
    "migration.",
    "entities:\n  old_stats: {...}   # removed from the spec",
)
DROP_COLUMN = _rule(
    "SG902",
    "drop-column",
    "drops column {table}.{column} and its values",
    "keep the column, or allow it: `allow_destructive: [drop column {table}.{column}]`",
    "A column removed from the spec drops its values; the down migration can only add it back empty.",
    "columns:\n  legacy: text   # removed from the spec",
)
NARROWING = _rule(
    "SG903",
    "narrowing",
    "narrows {target} from {old} to {new}: values that do not fit make it fail or are cut",
    "widen instead, or allow it: `allow_destructive: [narrow {target}]`",
    "A type that holds less (varchar(100) → varchar(20), bigint → integer) fails on values that do not "
    "fit, or loses what they held.",
    "columns:\n  name: varchar(20)   # was varchar(100)",
)
SHRINK_WINDOW = _rule(
    "SG904",
    "shrink-window",
    "shrinks the partitions of {table}: drops {partitions} with their rows",
    "keep the window, archive the rows first, or allow it: `allow_destructive: [shrink {table}]`",
    "Partitions that leave the spec with nowhere for their rows to go (no DEFAULT partition) are "
    "dropped with their rows.",
    "partition:\n  range: {key: at, every: month, from: 2025-01-01, to: 2026-01-01}   # was from 2024-01-01",
)
REMOVE_ENUM_VALUE = _rule(
    "SG905",
    "remove-enum-value",
    "removes {values} from enum {enum}",
    "keep the values, or allow it: `allow_destructive: [enum {enum}]`",
    "PostgreSQL cannot drop an enum value: the type is rebuilt, and rows holding a removed value make the "
    "migration fail.",
    "enums:\n  status: [open, closed]   # was [open, pending, closed]",
)
NOT_NULL_NOT_RESTORED = _rule(
    "SG906",
    "not-null-not-restored",
    "{table}.{column} comes back without its NOT NULL: the up migration dropped its values, so every row "
    "holds NULL",
    "fill {table}.{column}, then make it NOT NULL by hand: the spec of this version already says so, and "
    "no migration will",
    "A down migration re-adds a column its up migration dropped; with no values to restore, a NOT NULL "
    "column without a default can only come back nullable.",
    "columns:\n  locale: text   # NOT NULL, no default, dropped by the up migration",
)
DROP_EXTENSION = _rule(
    "SG907",
    "drop-extension",
    "drops extension {extension} with everything it owns",
    "keep it in `project.extensions`, or allow it: `allow_destructive: [drop extension {extension}]`",
    "An extension removed from the spec is dropped with its functions, types and operators, and with the "
    "tables it keeps its own data in (pg_cron's jobs, pg_partman's configuration); DROP EXTENSION fails "
    "while a table, index or view of the schema still uses it.",
    "project:\n  extensions: [pg_trgm]   # was [pg_trgm, pg_cron]",
)
REWRITE = _rule(
    "SG921",
    "rewrite",
    "rewrites {table} under ACCESS EXCLUSIVE: {why}",
    "run it in a maintenance window, or add a new column, backfill it in batches and swap",
    "Some changes make PostgreSQL write every row again (a type change that converts values, a new column "
    "whose default is volatile, an identity or generated column), holding the table against reads and "
    "writes for as long.",
    "columns:\n  amount: numeric(12,2)   # was integer",
)
LONG_LOCK = _rule(
    "SG922",
    "long-lock",
    "holds a lock on {table} for longer than a catalog change: {why}",
    "run it when the table is quiet",
    "A lock that conflicts with the application's reads or writes, held while rows are scanned or "
    "copied, makes the application wait for as long.",
    "partition:\n  hash: {key: id, modulus: 8}   # was 4: each split copies a partition's rows",
)
REBUILD = _rule(
    "SG923",
    "rebuild",
    "rebuilds {table}: {why}",
    "expect the table's size in extra disk and time",
    "Partitions are rebuilt with every row copied when the new shape cannot be reached by splitting or "
    "merging the old one.",
    "partition:\n  hash: {key: id, modulus: 6}   # was 4",
)
DATA_DEPENDENT = _rule(
    "SG931",
    "data-dependent",
    "{target}: {why}",
    "check the existing rows first; the migration stops on the error",
    "Whether the migration succeeds depends on the rows: a new unique index fails on duplicates, a "
    "NOT NULL on NULLs, a check or a foreign key on rows that violate it.",
    "columns:\n  email: {type: text, unique: true}   # was not unique",
)
INTEGRITY_GAP = _rule(
    "SG932",
    "integrity-gap",
    "foreign keys referencing {table} ({foreign_keys}) are dropped during the move and re-added NOT VALID, "
    "then validated: rows written meanwhile are checked at the end",
    "avoid deleting referenced rows while the migration runs",
    "PostgreSQL refuses to detach a partition whose rows other tables reference, so a re-shard drops those "
    "foreign keys for its duration.",
    "partition:\n  hash: {key: id, modulus: 8}   # guilds, which members references",
)

REDISTRIBUTED_FOREIGN_KEY = _rule(
    "SG933",
    "redistributed-foreign-key",
    "foreign key {foreign_key} is dropped while {table} is redistributed, and added again NOT VALID, then "
    "validated: rows written meanwhile are checked at the end",
    "avoid deleting referenced rows while the migration runs",
    "Citus refuses to distribute or undistribute a table that has foreign keys to or from other tables, "
    "and alter_distributed_table drops the keys between the tables it separates; so the keys of a table "
    "whose rows change place are dropped for the duration of the move.",
    "distribute: {by: guild_id}   # was a plain table, and messages references it",
)
PER_NODE_DEFAULT = _rule(
    "SG934",
    "per-node-default",
    "{table}.{column}: the default `{default}` is computed by each node of the cluster for the rows it "
    "holds, so existing rows get one value per node, not one value",
    "add the column without the default (or with a constant), then fill it with one UPDATE from the "
    "coordinator",
    "On a distributed table, ADD COLUMN … DEFAULT runs on every shard, in each worker's own transaction: "
    "a volatile default such as now() or random() differs from one node to the next.",
    "columns:\n  seen_at: {type: timestamptz, default: {sql: now()}}   # on a distributed table",
)

NO_CAST = _rule(
    "SG952",
    "no-cast",
    "{what} cannot be planned: {problem}",
    "give the conversion in the spec: `using: <expression of the old value>` on the column (and "
    "`using: {{up: ..., down: ...}}` for the down migration)",
    "PostgreSQL converts a column's values to a new type only through a cast (pg_cast), or through the "
    "text form to or from a string type; between other types (bigint → timestamp, date → integer) "
    "`ALTER COLUMN … TYPE` fails. The column's `using:` says how to compute the new value; it is a "
    "migration hint, used only by a migration that changes the column's type.",
    "columns:\n  seen_at: timestamptz   # was bigint (epoch seconds): add `using: to_timestamp(seen_at)`",
)
CONVERSION_MAY_FAIL = _rule(
    "SG953",
    "conversion-may-fail",
    "{target}: {old} → {new} reads each value's text as {new}, which fails on a value that is not one",
    "check the existing values first, or give the conversion: `using: <expression>` on the column",
    "From a string type PostgreSQL converts through the new type's input function: `'12'` becomes 12, "
    "but one `'n/a'` makes the whole migration fail.",
    "columns:\n  quantity: integer   # was text",
)

#: The codes of hazards that lose data (`check` and `migrate new` refuse them unless allowed).
#: The words of `allow_destructive` that allow one (`drop column users.phone`).
ALLOWED_BY = {
    "SG901": "drop table",
    "SG902": "drop column",
    "SG903": "narrow",
    "SG904": "shrink",
    "SG905": "enum",
    "SG907": "drop extension",
}
DESTRUCTIVE = frozenset(ALLOWED_BY)

#: Codes no longer reported, with what reports their findings now; never given to another rule.
RETIRED = {
    "SG704": "destructive-change: a destructive pending change is reported under its hazard's own code, "
    "SG901–SG905, by `check` and by `migrate new`.",
}


def render_docs() -> str:
    """The Markdown of docs/diagnostics.md."""
    out = [
        "# Diagnostics",
        "",
        "Every problem schemagen reports carries one of these codes. This page is generated from",
        "`schemagen/diagnostics/rules.py` (`python -m schemagen.diagnostics.rules > docs/diagnostics.md`);",
        "a test keeps it fresh.",
        "",
        "| code | name | what it catches |",
        "|---|---|---|",
    ]
    out += [
        f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.why.split('. ')[0].rstrip('.')}. |"
        for r in ALL
    ]
    for rule in ALL:
        out += [
            "",
            f"## {rule.code} {rule.name}",
            "",
            f"**Message:** {rule.message.format_map(_Placeholder())}",
            "",
            f"**Why:** {rule.why}",
            "",
            f"**Fix:** {rule.hint.format_map(_Placeholder())}",
            "",
            "**Example that triggers it:**",
            "",
            "```yaml" if not rule.example.startswith("$") else "```console",
            rule.example,
            "```",
        ]
    out += [
        "",
        "## Retired codes",
        "",
        "Codes schemagen no longer reports; no other problem will take them.",
        "",
    ]
    out += [f"- {code} {note}" for code, note in sorted(RETIRED.items())]
    return "\n".join(out) + "\n"


class _Placeholder(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


if __name__ == "__main__":
    print(render_docs(), end="")
